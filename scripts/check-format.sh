#!/usr/bin/env bash
# Fails when a tracked C++ file is not formatted as .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cc' '*.h')
if ! clang-format --dry-run --Werror $files; then
  echo "check-format: run 'git ls-files \"*.cc\" \"*.h\" | xargs clang-format -i'" >&2
  exit 1
fi
echo "check-format: $(echo "$files" | wc -l) files formatted"
