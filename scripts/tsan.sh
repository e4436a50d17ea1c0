#!/usr/bin/env bash
# Builds the unit-test binaries (the executor's among them) with clang and
# ThreadSanitizer into build-tsan/ and runs them under ctest. Any data race
# or lock-order report fails the run (halt_on_error), so a worker reading
# what the owning thread writes is caught here, not hoped away.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-tsan -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -g1" -DKEYFORM_TSAN=ON "${launcher[@]}" >/dev/null
targets=(unit_util unit_state unit_schema unit_providers unit_reconciler unit_fleet)
cmake --build build-tsan -j "${JOBS:-2}" --target "${targets[@]}"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=4}
cd build-tsan
ctest --output-on-failure -j "${JOBS:-2}" -L unit "$@"
