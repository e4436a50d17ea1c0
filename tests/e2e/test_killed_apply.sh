# An apply killed with SIGKILL in the middle loses nothing that was recorded:
# the next apply finishes the work, every recorded certificate has its key,
# every deployed file is whole, and a final plan has no changes.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
n=150
for i in $(seq 1 $n); do
  cat <<YAML
---
kind: Certificate
name: svc-$i
spec: {issuer: root, commonName: svc-$i.internal, dnsNames: [svc-$i.internal], keyAlgorithm: RSA_2048}
---
kind: DeploymentTarget
name: svc-$i
spec:
  source: Certificate/svc-$i
  files:
    - {path: out/svc-$i/cert.pem, content: certificate}
    - {path: out/svc-$i/key.pem, content: privateKey}
YAML
done >"$ex/many.yaml"
kf "$ex" init

"$KEYFORM" --no-color -C "$ex" apply --auto-approve --parallelism 2 >"$WORK/killed.out" 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ "$(grep -c ': created' "$WORK/killed.out" 2>/dev/null)" -ge 40 ] && break
  sleep 0.05
done
kill -9 "$pid" 2>/dev/null || fail "apply finished before it could be killed"
wait "$pid" 2>/dev/null || true
grep -q 'Apply complete' "$WORK/killed.out" && fail "apply completed before the kill"

# Whatever was recorded is loadable, and every recorded certificate's key opens.
kf "$ex" plan --detailed-exitcode
expect_rc 2
kf "$ex" apply --auto-approve
expect_rc 0
no_output ' failed: '
kf "$ex" plan --detailed-exitcode
expect_rc 0
no_output 'Warning'

for i in $(seq 1 $n); do
  d="$ex/out/svc-$i"
  openssl verify -CAfile "$ex/out/ca.pem" "$d/cert.pem" >/dev/null 2>&1 || fail "svc-$i: certificate does not verify"
  a=$(openssl x509 -in "$d/cert.pem" -noout -pubkey | openssl sha256)
  b=$(openssl pkey -in "$d/key.pem" -pubout | openssl sha256)
  [ "$a" = "$b" ] || fail "svc-$i: key does not match certificate"
done
# No temp files left beside the deployed ones.
leftover=$(find "$ex/out" -name '.*keyform-*' | head -1)
[ -z "$leftover" ] || fail "temp file left behind: $leftover"
echo PASS
