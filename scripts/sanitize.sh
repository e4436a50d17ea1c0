#!/usr/bin/env bash
# Builds the unit-test binaries (only those) with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-sanitize/ and runs them under ctest.
# Any report fails the run: UBSan does not recover, ASan aborts, and leaks
# count. The keyform binary and the end-to-end tests are not built here.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/configure-sanitize.sh
targets=(unit_util unit_state unit_schema unit_providers unit_reconciler unit_fleet)
cmake --build build-sanitize -j "${JOBS:-2}" --target "${targets[@]}"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd build-sanitize
ctest --output-on-failure -j "${JOBS:-2}" -L unit "$@"
