#!/bin/sh
# Installs what is missing, builds with warnings as errors, and runs the whole test suite through ctest.
# Usage: scripts/test.sh [extra ctest arguments, e.g. -L unit]
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake --preset release
cmake --build --preset release
ctest --preset release -j2 "$@"
