#!/usr/bin/env bash
# Rotation latency per strategy: the wall time of `keyform apply
# --auto-approve --replace Secret/X` (a whole process: load, plan, the four
# journalled steps, exit) for regenerate, postgres-single-user and
# postgres-alternating-users, against a throwaway PostgreSQL on loopback.
# Prints the median of N runs (default 11) per strategy.
#
#   bench/secret_rotation_bench.sh KEYFORM_BINARY [N]
set -euo pipefail
KEYFORM=$1
N=${2:-11}
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyform-rotation-bench-XXXXXX")
source "$here/../tests/e2e/postgres_lib.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT
pg_start "$WORK/pg" >/dev/null
psql_admin -c "CREATE ROLE app LOGIN" -c "CREATE ROLE report LOGIN" >/dev/null
export DB_ADMIN_DSN=$PG_ADMIN_DSN
ex="$WORK/project"
mkdir -p "$ex"
cat >"$ex/keyform.yaml" <<'YAML'
kind: Project
name: bench
spec: {account: "111122223333", defaults: {kmsKey: main}}
---
kind: KmsKey
name: main
YAML
cat >"$ex/secrets.yaml" <<'YAML'
kind: Secret
name: regenerate
spec: {value: {generate: {length: 32}}}
---
kind: Secret
name: single
spec:
  value: {generate: {length: 32}}
  rotation: {strategy: postgres-single-user, postgres: {connection: {env: DB_ADMIN_DSN}, role: app}}
---
kind: Secret
name: alternating
spec:
  value: {generate: {length: 32}}
  rotation: {strategy: postgres-alternating-users, postgres: {connection: {env: DB_ADMIN_DSN}, role: report}}
YAML
"$KEYFORM" -C "$ex" init >/dev/null
"$KEYFORM" -C "$ex" apply --auto-approve >/dev/null
for s in regenerate single alternating; do
  times=()
  for _ in $(seq "$N"); do
    start=$(date +%s%N)
    "$KEYFORM" -C "$ex" apply --auto-approve --replace "Secret/$s" >/dev/null
    times+=($(( ($(date +%s%N) - start) / 1000 )))
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (N + 1) / 2 ))p")
  printf '%-12s median %6.1f ms over %d rotations\n' "$s" "$(echo "$median / 1000" | bc -l)" "$N"
done
