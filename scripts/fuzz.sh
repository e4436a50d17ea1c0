#!/usr/bin/env bash
# Builds the libFuzzer target for config loading (fuzz/) with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-sanitize/
# (shared with scripts/sanitize.sh), seeds it from examples/ and the
# malformed-config cases, and runs it for FUZZ_SECONDS (default 60). Fails
# on any crash, sanitizer report, leak, timeout or escaped exception; the
# input that did it is left in build-sanitize/fuzz-run/artifacts/. Extra
# arguments go to the fuzzer (e.g. -jobs=2).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
bash scripts/configure-sanitize.sh
cmake --build build-sanitize -j "${JOBS:-2}" --target fuzz_config_loader

# Seeds: each example's keyform.yaml with each of its other files, and each
# small malformed case's files with the quickstart's keyform.yaml.
sep=$'\n#--- resources.yaml ---\n'
seeds=build-sanitize/fuzz-run/seeds
rm -rf "$seeds" && mkdir -p "$seeds" build-sanitize/fuzz-run/corpus build-sanitize/fuzz-run/artifacts
n=0
for project in examples/*/keyform.yaml; do
  for f in "$(dirname "$project")"/*.yaml; do
    [ "$f" = "$project" ] && continue
    { cat "$project"; printf '%s' "$sep"; cat "$f"; } >"$seeds/example-$((n += 1))"
  done
done
for f in tests/e2e/malformed/*/files/*.yaml; do
  [ "$(stat -c %s "$f")" -le 4096 ] || continue
  { cat examples/quickstart/keyform.yaml; printf '%s' "$sep"; cat "$f"; } >"$seeds/malformed-$((n += 1))"
done

echo "fuzz: $n seeds; running for ${seconds}s"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
  build-sanitize/fuzz/fuzz_config_loader -max_total_time="$seconds" -timeout=25 -max_len=16384 \
  -dict=fuzz/config.dict -artifact_prefix=build-sanitize/fuzz-run/artifacts/ -print_final_stats=1 \
  "$@" build-sanitize/fuzz-run/corpus "$seeds"
