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
source "$(dirname "$0")/fleet_bench_lib.sh"
"$KEYFORM" -C "$ex" init >/dev/null
"$KEYFORM" -C "$ex" apply --auto-approve >/dev/null
start_replicas
token=$("$KEYFORM" -C "$ex" agent token --principal account:444455556666/role:apache --host web-bench 2>/dev/null)
"$KEYFORM" agent enroll --server "${urls[1]}" --token "$token" --server-ca "$WORK/root.pem" \
  --dir "$WORK/agent" >/dev/null
"$BENCH" --dir "$WORK/agent" --target web-tls "${urls[@]}" --agents "$AGENTS" \
  --seconds "$SECONDS_" --rate "$RATE" --pid "${pids[0]}" --pid "${pids[1]}"
