#!/usr/bin/env bash
# A renewal reaching a fleet (docs/benchmarks.md, "Fleet"): N Certificates,
# each deployed by its own DeploymentTarget to its own host (hosts: [r-NNNN]),
# on a throwaway PostgreSQL with two keyform serve replicas; N simulated
# agents (bench/fleet_rollout_bench) enrol, deploy, and park; then one apply
# (KEYFORM_NOW 70 days on) renews all N, and the time until the last host
# reported the renewed certificate is printed.
#
#   bench/fleet_rollout_bench.sh KEYFORM_BINARY ROLLOUT_BENCH_BINARY [N]
set -euo pipefail
KEYFORM=$1
BENCH=$2
N=${3:-1000}
source "$(dirname "$0")/fleet_bench_lib.sh"
{
  for i in $(seq -f %04g 1 "$N"); do
    cat <<YAML
---
kind: Certificate
name: b-$i
spec:
  issuer: root
  template: EndEntityServerAuthCertificate
  commonName: r-$i.b.example
  dnsNames: [r-$i.b.example]
  keyAlgorithm: EC_prime256v1
  validity: 90d
  kmsKey: ca-key
---
kind: DeploymentTarget
name: r-$i
spec:
  hosts: [r-$i]
  source: Certificate/b-$i
  files:
    - {path: tls/cert.pem, content: certificate, mode: "0644"}
    - {path: tls/key.pem, content: privateKey}
YAML
  done
  cat <<'YAML'
---
kind: ResourcePolicy
name: root-ca
spec:
  resource: CertificateAuthority/root
  statements:
    - sid: ApacheGetsCertificates
      effect: Allow
      principals: ["account:444455556666/role:apache"]
      actions: [pki:GetCertificate]
YAML
} | tail -n +2 >"$ex/rollout.yaml"
"$KEYFORM" -C "$ex" init >/dev/null
"$KEYFORM" -C "$ex" apply --auto-approve >/dev/null
start=$(date +%s)
for i in $(seq -f %04g 1 "$N"); do
  echo "r-$i $("$KEYFORM" -C "$ex" agent token --principal account:444455556666/role:apache \
    --host "r-$i" 2>/dev/null)"
done >"$WORK/tokens"
echo "issued $N join tokens in $(($(date +%s) - start)) s"
start_replicas
"$BENCH" --tokens "$WORK/tokens" --server-ca "$WORK/root.pem" "${urls[@]}" \
  >"$WORK/bench.out" 2>&1 &
bench=$!
pids+=("$bench")
until grep -q '^ready' "$WORK/bench.out"; do
  kill -0 "$bench" 2>/dev/null || { cat "$WORK/bench.out" >&2; exit 1; }
  sleep 0.5
done
cat "$WORK/bench.out"
applied_from=$(date +%s%3N)
KEYFORM_NOW=$(date -u -d '+70 days' +%Y-%m-%dT%H:%M:%SZ) \
  "$KEYFORM" -C "$ex" apply --auto-approve | tail -1
applied_to=$(date +%s%3N)
wait "$bench" || true
sed -n "/^ready/,\$p" "$WORK/bench.out" | tail -n +2
last=$(grep "^deployed" "$WORK/bench.out" | grep -o 'last report at [0-9]*' | grep -o '[0-9]*$' || echo 0)
echo "apply of the renewal: $((applied_to - applied_from)) ms; from its start to the last" \
  "host's report: $((last - applied_from)) ms"
