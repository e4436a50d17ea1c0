#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${CI:-}" = "true" ]; then bash scripts/check-format.sh; fi
bash scripts/build.sh
cd build
ctest --output-on-failure -j "${JOBS:-2}" "$@"
