#!/usr/bin/env bash
# Timed fuzz runs (spec/security.md §Fuzzing, fuzz/README.md): every cargo-fuzz target, one after
# another, each for FUZZ_SECONDS, on its committed seeds plus the local corpus; prints one line
# of figures per target (executions, exec/s, coverage, corpus size, crashes).
#
#   scripts/fuzz.sh                  every target
#   scripts/fuzz.sh jwt submission   the named targets
#
# Environment (defaults in brackets):
#   FUZZ_SECONDS   libFuzzer -max_total_time per target [60]
#   FUZZ_ARGS      extra libFuzzer flags [-rss_limit_mb=2048 -timeout=10]
#   FUZZ_TARGET_DIR  cargo's target directory for the instrumented build [fuzz/target]
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). New inputs go to
# fuzz/corpus/<target>/ (not committed), crashes to fuzz/artifacts/<target>/; each target's
# libFuzzer log is kept in fuzz/logs/<target>.log. Exit status 1 when any target crashed, timed
# out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-60}"
args="${FUZZ_ARGS:--rss_limit_mb=2048 -timeout=10}"
cargo_args=()
[ -z "${FUZZ_TARGET_DIR:-}" ] || cargo_args=(--target-dir "$FUZZ_TARGET_DIR")
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi

mkdir -p logs
echo "== building ${targets[*]}" >&2
for t in "${targets[@]}"; do cargo +nightly fuzz build "${cargo_args[@]}" "$t" >&2; done

status=0
printf '%-16s %12s %8s %8s %8s %10s %8s %s\n' target execs secs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  extra=()
  [ "$t" = qr_image ] && extra=(-max_len=16384)
  rc=0
  # shellcheck disable=SC2086
  cargo +nightly fuzz run "${cargo_args[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" \
    $args "${extra[@]}" >"logs/$t.log" 2>&1 || rc=$?
  # The last status line libFuzzer printed: "#N  DONE cov: C ft: F corp: K/… exec/s: E …".
  last="$(grep -E '^#[0-9]+' "logs/$t.log" | tail -n1)"
  execs="$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")"
  secs="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "logs/$t.log" | tail -n1)"
  eps="-"
  [ -n "$secs" ] && [ "$secs" -gt 0 ] && [ -n "$execs" ] && eps=$(( execs / secs ))
  result="no crash, no timeout, no OOM"
  if [ "$rc" -ne 0 ]; then
    status=1
    result="FAILED (exit $rc): $(grep -m1 -E 'ERROR: libFuzzer|panicked at|SUMMARY' "logs/$t.log" || true)"
    result="$result; artifacts in fuzz/artifacts/$t/, log fuzz/logs/$t.log"
  fi
  printf '%-16s %12s %8s %8s %8s %10s %8s %s\n' "$t" "${execs:--}" "${secs:--}" "$eps" \
    "${cov:--}" "${ft:--}" "${corp:--}" "$result"
done
exit "$status"
