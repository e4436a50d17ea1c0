#!/usr/bin/env bash
# The fleet benchmark end to end (docs/benchmarks.md, "Fleet"): a throwaway
# PostgreSQL on loopback, the fleet example applied to it, two keyform serve
# replicas, one enrolled agent whose identity every simulated agent uses,
# then bench/fleet_bench against both replicas.
#
#   bench/fleet_bench.sh KEYFORM_BINARY FLEET_BENCH_BINARY [AGENTS] [SECONDS] [RATE]
#
# RATE: the no-change polls/s the agents offer together (fleet_bench
# --rate); without it they poll back to back.
set -euo pipefail
KEYFORM=$1
BENCH=$2
AGENTS=${3:-50}
SECONDS_=${4:-5}
RATE=${5:-0}
here=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyform-fleet-bench-XXXXXX")
source "$here/../tests/e2e/postgres_lib.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$WORK/pg" >/dev/null
psql_admin -c "CREATE DATABASE keyform_bench" >/dev/null
export KEYFORM_BENCH_DSN="${PG_ADMIN_DSN%/postgres}/keyform_bench"
ex="$WORK/fleet"
cp -r "$here/../examples/fleet" "$ex"
rm -rf "$ex/.keyform"
sed -i 's|^spec:$|spec:\n  backend: {type: postgres, dsn: {env: KEYFORM_BENCH_DSN}}|' "$ex/keyform.yaml"
"$KEYFORM" -C "$ex" init >/dev/null
"$KEYFORM" -C "$ex" apply --auto-approve >/dev/null
"$KEYFORM" -C "$ex" show CertificateAuthority/root --json | jq -r .attributes.certificate_pem >"$WORK/root.pem"
urls=()
for n in a b; do
  "$KEYFORM" -C "$ex" serve --listen 127.0.0.1:0 >"$WORK/serve-$n.out" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/serve-$n.out" || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$WORK/serve-$n.out" >&2; exit 1; }
  urls+=(--server "$url")
done
token=$("$KEYFORM" -C "$ex" agent token --principal account:444455556666/role:apache --host web-bench 2>/dev/null)
"$KEYFORM" agent enroll --server "${urls[1]}" --token "$token" --server-ca "$WORK/root.pem" \
  --dir "$WORK/agent" >/dev/null
"$BENCH" --dir "$WORK/agent" --target web-tls "${urls[@]}" --agents "$AGENTS" \
  --seconds "$SECONDS_" --rate "$RATE" --pid "${pids[0]}" --pid "${pids[1]}"
