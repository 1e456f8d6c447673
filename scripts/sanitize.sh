#!/bin/sh
# The whole test suite built with clang's AddressSanitizer and UndefinedBehaviorSanitizer (preset asan:
# optimised, so that the timed tests keep their pace), the spawned crmsyncd and sandbox included. Any
# report fails the test that caused it (-fno-sanitize-recover; LeakSanitizer on at exit).
# Usage: scripts/sanitize.sh [extra ctest arguments, e.g. -L unit]
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset asan
cmake --build --preset asan
. ./scripts/symbolizer.sh
# abort_on_error: a report ends the process with SIGABRT (a crash ctest shows), also in spawned children.
ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=0:strict_string_checks=1}"
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export ASAN_OPTIONS UBSAN_OPTIONS
ctest --preset asan -j2 "$@"
