# Renewal with privateKey.rotationPolicy Always (a new key) and Never (the
# same key), compared by public key; the plan says when and why; a change
# of privateKey.encoding alone keeps the key and re-encodes it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/rot"
new_project "$p"
cat >"$p/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec: {type: root, subject: {commonName: Rot Root}}
---
kind: Certificate
name: always
spec: {issuer: root, commonName: always.example, validity: 90d, renewBefore: 30d, keyAlgorithm: RSA_2048}
---
kind: Certificate
name: never
spec:
  issuer: root
  commonName: never.example
  validity: 90d
  renewBeforePercentage: 20
  keyAlgorithm: RSA_2048
  privateKey: {rotationPolicy: Never, encoding: PKCS1}
---
kind: DeploymentTarget
name: always
spec:
  source: Certificate/always
  files: [{path: out/always.pem, content: certificate}, {path: out/always.key, content: privateKey}]
---
kind: DeploymentTarget
name: never
spec:
  source: Certificate/never
  files: [{path: out/never.pem, content: certificate}, {path: out/never.key, content: privateKey}]
YAML
init_and_apply "$p"
o="$p/out"
head -1 "$o/never.key" | grep -q "BEGIN RSA PRIVATE KEY" || fail "PKCS1 key is not PKCS#1"
head -1 "$o/always.key" | grep -q "BEGIN PRIVATE KEY" || fail "PKCS8 key is not PKCS#8"
a0=$(pubkey_of "$o/always.pem"); n0=$(pubkey_of "$o/never.pem")
as0=$(serial_of "$o/always.pem"); ns0=$(serial_of "$o/never.pem")

kf "$p" plan --at "$(days_from_now 50)" --detailed-exitcode
expect_rc 0
kf "$p" plan --at "$(days_from_now 75)"
expect_output 'renew +Certificate/always'
expect_output 'expires in 1[45]d.*, renewBefore 30d'
expect_output 'new key: privateKey.rotationPolicy: Always'
expect_output 'renew +Certificate/never'
expect_output 'renewal at 20% of a 90d lifetime'
expect_output 'key kept: privateKey.rotationPolicy: Never'

export KEYFORM_NOW=$(days_from_now 75)
kf "$p" apply --auto-approve
expect_rc 0
[ "$(serial_of "$o/always.pem")" != "$as0" ] || fail "always was not renewed"
[ "$(serial_of "$o/never.pem")" != "$ns0" ] || fail "never was not renewed"
[ "$(pubkey_of "$o/always.pem")" != "$a0" ] || fail "rotationPolicy Always kept the key"
[ "$(pubkey_of "$o/never.pem")" = "$n0" ] || fail "rotationPolicy Never changed the key"
[ "$(pubkey_of "$o/never.key")" = "$n0" ] || fail "the deployed key is not the certificate's"
[ "$(pubkey_of "$o/always.key")" = "$(pubkey_of "$o/always.pem")" ] || fail "always: key mismatch"

# Never is respected on a re-issue for a changed name too.
sed -i 's/commonName: never.example/commonName: never2.example/' "$p/pki.yaml"
kf "$p" plan
expect_output 'replace +Certificate/never'
expect_output 'key kept: privateKey.rotationPolicy: Never'
kf "$p" apply --auto-approve
expect_rc 0
[ "$(pubkey_of "$o/never.pem")" = "$n0" ] || fail "a re-issue with rotationPolicy Never changed the key"

# Encoding alone: same key, re-encoded (and redeployed), even with Always.
sed -i 's/keyAlgorithm: RSA_2048}/keyAlgorithm: RSA_2048, privateKey: {encoding: PKCS1}}/' "$p/pki.yaml"
a1=$(pubkey_of "$o/always.pem")
kf "$p" plan
expect_output 'key kept: only privateKey.encoding changed, re-encoded as PKCS1'
kf "$p" apply --auto-approve
expect_rc 0
head -1 "$o/always.key" | grep -q "BEGIN RSA PRIVATE KEY" || fail "always.key was not re-encoded as PKCS#1"
[ "$(pubkey_of "$o/always.key")" = "$a1" ] || fail "re-encoding changed the key"

# The rotation policy alone changes nothing now: recorded in place.
sed -i 's/privateKey: {encoding: PKCS1}}/privateKey: {encoding: PKCS1, rotationPolicy: Never}}/' "$p/pki.yaml"
kf "$p" plan
expect_output 'update +Certificate/always'
no_output 'replace +Certificate/always'
echo PASS
