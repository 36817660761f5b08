#!/usr/bin/env bash
# Soak (issue #12 item 12, spec/security.md §Soak): issuance, holder look-ups and verification
# together against one running issuer for a bounded time; reports throughput, p50/p99, errors
# and the server's resident memory over time.
#
#   scripts/soak.sh                 SOAK_SECONDS (default 600) of load
#
# Environment (defaults in brackets):
#   SOAK_SECONDS          duration of the load [600]
#   SOAK_ISSUE_WORKERS    concurrent issuing clients (closed loop, keep-alive) [4]
#   SOAK_HOLDER_WORKERS   concurrent holder look-up clients [2]
#   SOAK_VERIFY_EVERY     seconds between verification batches [5]
#   SOAK_VERIFY_BATCH     passes per verification batch (the latest issued) [200]
#   SOAK_REPORT_EVERY     seconds per printed interval [60]
#   SOAK_RSS_EVERY        seconds between VmRSS samples of the server [5]
#   SOAK_DATABASE         database URL for the server [sqlite in the temporary data directory]
#   SOAK_CONFIG_JSON      the server's <data-dir>/config.json [{"limits":
#                         {"holder_requests_per_minute": 1000000}}: all look-ups come from one
#                         address, and the soak measures the service, not the per-client
#                         budget]; empty for none (binaries older than that setting refuse it)
#   VAXCERT_ISSUER_BIN, VAXCERT_VERIFY_BIN   binaries [built with cargo: target/release]
#   SOAK_OUT              where the JSON results go [target/soak/soak-<date>.json]
#   SOAK_KEEP=1           keep the temporary data directory
#
# Three processes: the server (`vaxcert-issuer serve --listen 127.0.0.1:0`, temporary data
# directory, development keys), the load generator (scripts/soak_load.py, Python standard
# library, HTTP/1.1 keep-alive clients in threads), and per verification batch one
# `vaxcert-verify` process reading the lists the server publishes. Exit status 0 when every
# request and verification succeeded and the server lived through it, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

seconds="${SOAK_SECONDS:-600}"
say() { printf '== soak: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

issuer_bin="${VAXCERT_ISSUER_BIN:-}"
verify_bin="${VAXCERT_VERIFY_BIN:-}"
if [ -z "$issuer_bin" ] || [ -z "$verify_bin" ]; then
  say "building release binaries"
  cargo build --locked -q --release -p issuer --bin vaxcert-issuer -p verifier --bin vaxcert-verify \
    || die "cargo build failed"
  issuer_bin="${issuer_bin:-$root/target/release/vaxcert-issuer}"
  verify_bin="${verify_bin:-$root/target/release/vaxcert-verify}"
fi
[ -x "$issuer_bin" ] && [ -x "$verify_bin" ] || die "missing binaries"

work="$(mktemp -d "${TMPDIR:-/tmp}/vaxcert-soak.XXXXXX")"
server_pid=
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${SOAK_KEEP:-}" = 1 ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
unset VAXCERT_KEYS_DIR VAXCERT_CONFIG VAXCERT_LISTEN VAXCERT_DATABASE_URL
export VAXCERT_DATA_DIR="$work/data"
[ -z "${SOAK_DATABASE:-}" ] || export VAXCERT_DATABASE_URL="$SOAK_DATABASE"
mkdir -p -m 700 "$VAXCERT_DATA_DIR"
default_config='{"limits": {"holder_requests_per_minute": 1000000}}'
config="${SOAK_CONFIG_JSON-$default_config}"
[ -z "$config" ] || printf '%s\n' "$config" >"$VAXCERT_DATA_DIR/config.json"
cli() { "$issuer_bin" "$@" 2>>"$work/cli.log"; }
cli facility add SOAK-1 --name "soak" >/dev/null || die "facility add failed ($work/cli.log)"
token="$(cli token --role facility --facility SOAK-1 --ttl 48h | tail -n1)"
[ -n "$token" ] || die "token minting failed"

"$issuer_bin" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
addr=
for _ in $(seq 1 300); do
  addr="$(sed -n 's/^listening on //p' "$work/serve.out" | head -n1)"
  [ -n "$addr" ] && break
  kill -0 "$server_pid" 2>/dev/null || die "server exited: $(tail -n5 "$work/serve.log")"
  sleep 0.1
done
[ -n "$addr" ] || die "server did not print its address"

out="${SOAK_OUT:-$root/target/soak/soak-$(date -u +%Y%m%dT%H%M%SZ).json}"
mkdir -p "$(dirname "$out")"
say "$(date -u +%FT%TZ) server http://$addr pid $server_pid ($issuer_bin), ${seconds}s"
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo),"\
" load average $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
python3 "$root/scripts/soak_load.py" --base "http://$addr" --server-pid "$server_pid" \
  --facility SOAK-1 --facility-token "$token" --verify-bin "$verify_bin" --seconds "$seconds" \
  --issue-workers "${SOAK_ISSUE_WORKERS:-4}" --holder-workers "${SOAK_HOLDER_WORKERS:-2}" \
  --verify-every "${SOAK_VERIFY_EVERY:-5}" --verify-batch "${SOAK_VERIFY_BATCH:-200}" \
  --report-every "${SOAK_REPORT_EVERY:-60}" --rss-every "${SOAK_RSS_EVERY:-5}" \
  --out "$out" || rc=$?
say "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
if grep -q 'ERROR\|panicked' "$work/serve.log"; then
  say "server log errors:"; grep 'ERROR\|panicked' "$work/serve.log" | head -n 20 >&2
  rc=1
fi
kill -0 "$server_pid" 2>/dev/null || { say "the server died"; rc=1; }
exit "$rc"
