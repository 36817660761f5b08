#!/usr/bin/env bash
# Contract fuzzing (issue #12 item 11, spec/security.md §Contract fuzzing): schemathesis drives a
# running `vaxcert-issuer serve` from `spec/openapi.yaml` and fails on any 5xx, any status code
# the spec does not list for the route, any content type or response body outside the schema.
#
#   scripts/contract-fuzz.sh              bounded by CONTRACT_FUZZ_SECONDS (default 120)
#
# Environment (defaults in brackets):
#   CONTRACT_FUZZ_SECONDS   wall-clock budget of the schemathesis runs, split between the two
#                           identities below [120]
#   CONTRACT_FUZZ_EXAMPLES  examples per operation and phase (schemathesis --max-examples) [100]
#   CONTRACT_FUZZ_CHECKS    schemathesis checks [not_a_server_error,status_code_conformance,
#                           content_type_conformance,response_schema_conformance]
#   CONTRACT_FUZZ_SEED      schemathesis --seed, to replay a run [random]
#   VAXCERT_ISSUER_BIN      the server binary [built with `cargo build -p issuer`: target/debug]
#   CONTRACT_FUZZ_KEEP=1    keep the work directory (server log, reports) for inspection
#
# What it does: installs schemathesis (pinned) into a venv under target/contract-fuzz/ when it is
# missing; makes a temporary data directory (SQLite, development keys); registers a facility and
# mints a facility and a ministry token with the CLI; starts `serve --listen 127.0.0.1:0` in its
# own process; submits one dose so that reads have something to find; then runs schemathesis
# twice — as the facility (the submission route, holder and public routes) and as the ministry
# (every other route) — with half the budget each. Exit status: 0 when schemathesis found
# nothing and the server is still alive, 1 on a finding (its report is printed; the JUnit and
# NDJSON reports stay in the work directory when CONTRACT_FUZZ_KEEP=1), 2 on a set-up failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

seconds="${CONTRACT_FUZZ_SECONDS:-120}"
examples="${CONTRACT_FUZZ_EXAMPLES:-100}"
checks="${CONTRACT_FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"
schemathesis_version=4.32.5

say() { printf '== contract-fuzz: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

# --- schemathesis ----------------------------------------------------------------------------
venv="$root/target/contract-fuzz/venv"
st="$venv/bin/schemathesis"
if ! [ -x "$st" ] || ! "$st" --version 2>/dev/null | grep -q "$schemathesis_version"; then
  say "installing schemathesis $schemathesis_version into $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install -q "schemathesis==$schemathesis_version" || die "pip install failed"
fi

# --- the server binary -----------------------------------------------------------------------
bin="${VAXCERT_ISSUER_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --locked -q -p issuer --bin vaxcert-issuer || die "cargo build failed"
  bin="$root/target/debug/vaxcert-issuer"
fi
[ -x "$bin" ] || die "no server binary at $bin"

# --- a fresh data directory, a facility, tokens ------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/vaxcert-contract-fuzz.XXXXXX")"
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${CONTRACT_FUZZ_KEEP:-}" = 1 ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
data="$work/data"
# Only this script's own settings: an inherited database or keys directory would point the
# server at someone else's data.
unset VAXCERT_DATABASE_URL VAXCERT_KEYS_DIR VAXCERT_CONFIG VAXCERT_LISTEN
export VAXCERT_DATA_DIR="$data"
cli() { "$bin" "$@" 2>>"$work/cli.log"; }
cli facility add FUZZ-1 --name "contract fuzz" >/dev/null || die "facility add failed ($work/cli.log)"
facility_token="$(cli token --role facility --facility FUZZ-1 --ttl 4h | tail -n1)"
ministry_token="$(cli token --role ministry --ttl 4h | tail -n1)"
[ -n "$facility_token" ] && [ -n "$ministry_token" ] || die "token minting failed"

# --- the server, in its own process ------------------------------------------------------------
"$bin" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
addr=
for _ in $(seq 1 300); do
  addr="$(sed -n 's/^listening on //p' "$work/serve.out" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || die "server exited: $(tail -n5 "$work/serve.log")"
  sleep 0.1
done
[ -n "$addr" ] || die "server did not print its address"
base="http://$addr"
say "server $base (pid $server_pid), data $data"

# One issued certificate, so that reads and corrections meet an existing record now and then
# (schemathesis mostly invents ids, which answer 404).
curl -sS -o "$work/seed.json" -w '%{http_code}' -X POST "$base/v1/vaccinations" \
  -H "Authorization: Bearer $facility_token" -H 'Content-Type: application/json' \
  --data '{"facility_id":"FUZZ-1","facility_record_id":"seed-1","person":{"national_id":"001099000001",
    "family_name":"Nguyen","given_name":"An","date_of_birth":"1990-01-31"},"vaccine_type":"J07BX03",
    "product":"EU/1/20/1528","manufacturer":"ORG-100030215","dose_number":1,"series_total":2,
    "date":"2021-06-01"}' >"$work/seed.code" || die "seed submission failed"
[ "$(cat "$work/seed.code")" = 200 ] || die "seed submission answered $(cat "$work/seed.code")"

# --- schemathesis ------------------------------------------------------------------------------
half=$(( seconds / 2 )); [ "$half" -ge 1 ] || half=1
seed_args=()
[ -z "${CONTRACT_FUZZ_SEED:-}" ] || seed_args=(--seed "$CONTRACT_FUZZ_SEED")
status=0
run() { # NAME TOKEN FILTER-ARGS…
  local name="$1" token="$2"; shift 2
  say "$name: schemathesis for up to ${half}s, ${examples} examples per operation"
  local start=$SECONDS rc=0
  # `timeout` is the hard bound (schemathesis' --max-time stops generating, not the
  # shrinking of a failure); the grace covers start-up and shrinking. One worker: with two,
  # hypothesis on Python 3.11 failed inside ast.parse ("AST constructor recursion depth
  # mismatch", a CPython 3.11 thread-safety bug), an error of the tool, not of the server.
  timeout --kill-after=10 $(( half + 60 )) "$st" run "$root/spec/openapi.yaml" \
    --url "$base" -H "Authorization: Bearer $token" \
    --checks "$checks" --max-examples "$examples" --max-time "$half" \
    --workers 1 --request-timeout 30 --no-color "${seed_args[@]}" \
    --generation-database none --suppress-health-check all \
    --report junit,ndjson --report-dir "$work/report-$name" \
    "$@" >"$work/$name.log" 2>&1 || rc=$?
  say "$name: exit $rc after $(( SECONDS - start ))s"
  if [ "$rc" -ne 0 ]; then
    status=1
    # The failures, each with its reproducing curl command (schemathesis prints them last).
    if grep -q '^=* FAILURES =*$' "$work/$name.log"; then
      sed -n '/^=* FAILURES =*$/,$p' "$work/$name.log" >&2
    else
      tail -n 80 "$work/$name.log" >&2
    fi
  else
    tail -n 12 "$work/$name.log" >&2
  fi
}
run facility "$facility_token" \
  --include-path-regex '^/(v1/vaccinations$|v1/holder/|v1/trust-list|v1/revocations|v1/anchor|v1/rules/|healthz|readyz|metrics)'
run ministry "$ministry_token" \
  --exclude-path-regex '^/(v1/vaccinations$|v1/holder/|v1/trust-list|v1/revocations|v1/anchor|v1/rules/|healthz|readyz|metrics)'

if ! kill -0 "$server_pid" 2>/dev/null; then
  say "the server died during the run: $(tail -n20 "$work/serve.log")"
  status=1
fi
if grep -q '"level":"ERROR"\|ERROR' "$work/serve.log"; then
  say "server logged errors:"; grep 'ERROR' "$work/serve.log" | head -n 20 >&2
fi
[ "$status" -eq 0 ] && say "no finding" || say "FINDINGS (see above)"
exit "$status"
