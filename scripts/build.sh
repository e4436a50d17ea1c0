#!/usr/bin/env bash
# Configures and builds keyform into build/ (incremental). Set BUILD_TYPE to
# override RelWithDebInfo; CI builds with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DKEYFORM_WERROR="$werror" "${launcher[@]}" >/dev/null
cmake --build build -j "${JOBS:-2}"
