#!/usr/bin/env bash
# Configures and builds keyform into build/ (incremental). Set BUILD_TYPE to
# override RelWithDebInfo; CI builds with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DKEYFORM_WERROR="$werror" >/dev/null
cmake --build build -j "${JOBS:-2}"
