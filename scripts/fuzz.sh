#!/bin/sh
# Builds the libFuzzer targets (the `fuzz` preset: clang, ASan + UBSan) and runs each for a bounded time,
# starting from a copy of its seed corpus in fuzz/corpus/<target>/ (what a run discovers is thrown away,
# never written into the repo). Fails when any target finds a crash, a leak, a timeout or runs out of memory;
# the input that did it is kept in build/fuzz/artifacts/<target>/ (DEVELOPERS.md: Fuzzing).
# Usage: scripts/fuzz.sh [seconds-per-target]     (default 30)
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-30}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [seconds-per-target]" >&2; exit 2 ;;
esac

./scripts/setup.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

targets="config_fuzz webhook_fuzz shopify_response_fuzz hubspot_response_fuzz bulk_jsonl_fuzz"
work="$(mktemp -d "${TMPDIR:-/tmp}/crmsync-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="build/fuzz/artifacts"

. ./scripts/symbolizer.sh
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

failed=""
summary=""
for t in $targets; do
  mkdir -p "$work/$t" "$artifacts/$t"
  cp fuzz/corpus/"$t"/* "$work/$t/"
  seeds="$(ls "$work/$t" | wc -l)"
  log="$work/$t.log"
  start="$(date +%s)"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: leave room for the other core's work.
  if "build/fuzz/fuzz/$t" "$work/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t/" >"$log" 2>&1; then
    verdict="ok"
  else
    verdict="FAILED"
    failed="$failed $t"
    echo "fuzz: $t failed; the end of its log:" >&2
    tail -n 60 "$log" >&2
  fi
  took=$(($(date +%s) - start))
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  corpus="$(ls "$work/$t" | wc -l)"
  line="$(printf 'fuzz: %-22s %9s execs in %3ss (%s/s), corpus %s -> %s: %s' "$t" "${execs:-?}" "$took" \
    "${rate:-?}" "$seeds" "$corpus" "$verdict")"
  echo "$line"
  summary="$summary$line
"
done

printf '\n%s' "$summary"
if [ -n "$failed" ]; then
  echo "fuzz: failed:$failed (inputs in $artifacts/)" >&2
  exit 1
fi
