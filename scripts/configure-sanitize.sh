#!/usr/bin/env bash
# Configures build-sanitize/: clang with AddressSanitizer, UndefinedBehavior-
# Sanitizer and libFuzzer's instrumentation on every target. One build dir
# serves both scripts/sanitize.sh (the unit tests) and scripts/fuzz.sh (the
# fuzz targets), so CI compiles the libraries once for both.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-sanitize -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -g1" -DKEYFORM_SANITIZE=ON -DKEYFORM_FUZZ=ON "${launcher[@]}" >/dev/null
