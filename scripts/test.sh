#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${CI:-}" = "true" ]; then bash scripts/check-format.sh; fi
bash scripts/build.sh
cd build
ctest --output-on-failure -j "${JOBS:-2}" "$@"
# CI also runs the unit tests under AddressSanitizer and UBSan, then fuzzes
# the config loader for 60 s (both share build-sanitize/), then runs the unit
# tests again under ThreadSanitizer in build-tsan/ (docs/architecture.md).
if [ "${CI:-}" = "true" ]; then
  cd ..
  bash scripts/sanitize.sh
  FUZZ_SECONDS=${FUZZ_SECONDS:-60} bash scripts/fuzz.sh
  bash scripts/tsan.sh
fi
