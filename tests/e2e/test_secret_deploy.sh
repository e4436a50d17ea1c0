#!/usr/bin/env bash
# Secrets deployed by DeploymentTargets: `value` and `field:NAME` (mode 0600,
# the CURRENT value, no digest recorded); a rotation redeploys; a pkcs12
# file whose password comes from a Secret opens with that password; `secret
# get --as` enforces the policies and every read is audited; a target acting
# as another account fails plan with the missing kms:Decrypt until the
# KmsKey's policy allows it. No value appears in anything keyform printed or
# kept.
source "$(dirname "$0")/lib.sh"
ex="$WORK/secret-deploy"
mkdir -p "$ex"
B=account:444455556666/role:app
cat >"$ex/keyform.yaml" <<'YAML'
kind: Project
name: secret-deploy
spec:
  account: "111122223333"
  defaults: {kmsKey: main}
YAML
cat >"$ex/resources.yaml" <<'YAML'
kind: KmsKey
name: main
spec: {}
---
kind: KmsKey
name: shared-key
spec: {}
---
kind: Secret
name: token
spec:
  value: {generate: {length: 32, charset: hex}}
---
kind: Secret
name: login
spec:
  value:
    fields:
      username: svc
      password: {generate: {length: 24, charset: alphanumeric}}
---
kind: Secret
name: p12pass
spec:
  value:
    fields:
      password: {generate: {length: 20, charset: alphanumeric}}
---
kind: Secret
name: shared
spec:
  kmsKey: shared-key
  value: {generate: {length: 16, charset: hex}}
---
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Secret Deploy Root CA}
  keyAlgorithm: EC_prime256v1
  validity: 5y
---
kind: Certificate
name: web
spec:
  issuer: root
  template: EndEntityServerAuthCertificate
  commonName: web.example
  dnsNames: [web.example]
  keyAlgorithm: EC_prime256v1
  validity: 90d
YAML
cat >"$ex/deploy.yaml" <<'YAML'
kind: DeploymentTarget
name: token
spec:
  source: Secret/token
  files:
    - {path: out/token.txt, content: value}
---
kind: DeploymentTarget
name: login
spec:
  source: Secret/login
  files:
    - {path: out/password.txt, content: "field:password"}
    - {path: out/username.txt, content: "field:username", mode: "0640"}
---
kind: DeploymentTarget
name: p12
spec:
  source: Certificate/web
  files:
    - {path: out/web.p12, content: pkcs12, passwordFrom: {secret: p12pass, field: password}}
YAML
# Secret/shared is readable by account b's app role (GetSecretValue), but
# its KmsKey does not yet let b decrypt.
cat >"$ex/policies.yaml" <<YAML
kind: ResourcePolicy
name: shared
spec:
  resource: Secret/shared
  statements:
    - sid: AppReadsShared
      effect: Allow
      principals: ["$B"]
      actions: [secret:GetSecretValue]
YAML
kms_policy() {
  cat >"$ex/kms-policy.yaml" <<YAML
kind: ResourcePolicy
name: shared-key
spec:
  resource: KmsKey/shared-key
  statements:
    - sid: AppDecryptsShared
      effect: Allow
      principals: ["$B"]
      actions: [kms:Decrypt]
YAML
}
cross_target() {
  cat >"$ex/cross.yaml" <<YAML
kind: DeploymentTarget
name: shared
spec:
  principal: $B
  source: Secret/shared
  files:
    - {path: out/shared.txt, content: value}
YAML
}

kf "$ex" init >/dev/null
expect_rc 0
kf "$ex" apply --auto-approve
expect_rc 0

get() { "$KEYFORM" -C "$ex" secret get "$@" 2>>"$LOG"; }
token1=$(get Secret/token)
password=$(get Secret/login --field password)
p12pass=$(get Secret/p12pass --field password)
shared=$(get Secret/shared)
[ "$(cat "$ex/out/token.txt")" = "$token1" ] || fail "out/token.txt is not the CURRENT value"
[ "$(cat "$ex/out/password.txt")" = "$password" ] || fail "field:password is not the field"
[ "$(cat "$ex/out/username.txt")" = svc ] || fail "field:username is not the field"
[ "$(file_mode "$ex/out/token.txt")" = 600 ] || fail "a value is not 0600 by default"
[ "$(file_mode "$ex/out/password.txt")" = 600 ] || fail "a field is not 0600 by default"
[ "$(file_mode "$ex/out/username.txt")" = 640 ] || fail "mode: 0640 not honoured"
[ "$(file_mode "$ex/out/web.p12")" = 600 ] || fail "pkcs12 is not 0600 by default"
kf "$ex" show DeploymentTarget/token --json
if grep -q sha256 "$WORK/last.out"; then fail "a digest of a secret value is recorded"; fi
kf "$ex" plan --detailed-exitcode
expect_rc 0

# The pkcs12 file opens with the Secret's password (no -legacy) and holds
# the certificate.
openssl pkcs12 -in "$ex/out/web.p12" -passin "pass:$p12pass" -nokeys -out "$WORK/p12.pem" \
  2>"$WORK/openssl.err" || fail "the .p12 does not open with the Secret's password"
openssl x509 -in "$WORK/p12.pem" -noout -subject | grep -q web.example ||
  fail "the .p12 does not hold the certificate"
if openssl pkcs12 -in "$ex/out/web.p12" -passin pass:wrong -nokeys >/dev/null 2>&1; then
  fail "the .p12 opens with a wrong password"
fi

# Rotation: a new CURRENT redeploys its targets, including a pkcs12 whose
# password rotated.
kf "$ex" plan --replace Secret/token --replace Secret/p12pass
expect_rc 0
expect_output 'DeploymentTarget/token'
expect_output 'source Secret/token rotates'
expect_output 'pkcs12 password Secret/p12pass rotates'
kf "$ex" apply --auto-approve --replace Secret/token --replace Secret/p12pass
expect_rc 0
token2=$(get Secret/token)
p12pass2=$(get Secret/p12pass --field password)
[ "$token2" != "$token1" ] || fail "rotation kept the value"
[ "$(cat "$ex/out/token.txt")" = "$token2" ] || fail "the rotation was not redeployed"
openssl pkcs12 -in "$ex/out/web.p12" -passin "pass:$p12pass2" -nokeys >/dev/null 2>&1 ||
  fail "the .p12 does not open with the rotated password"
kf "$ex" plan --detailed-exitcode
expect_rc 0
kf "$ex" audit --json
jq -e 'map(select(.action == "secret:GetSecretValue" and .resource == "Secret/token"
        and .outcome == "ok" and (.version | length) > 0)) | length >= 2' "$WORK/last.out" \
  >/dev/null || fail "deployment reads of Secret/token are not audited with their version"
jq -e 'map(select(.action == "secret:GetSecretValue" and .resource == "Secret/p12pass")) | length >= 2' \
  "$WORK/last.out" >/dev/null || fail "pkcs12 password reads are not audited"

# A hand-edited value file is drift (MODIFIED).
echo tampered >"$ex/out/token.txt"
kf "$ex" drift
expect_rc 2
expect_output 'out/token.txt was changed'
kf "$ex" apply --auto-approve --replace DeploymentTarget/token
expect_rc 0
[ "$(cat "$ex/out/token.txt")" = "$token2" ] || fail "redeploy did not restore the value"

# secret get --as: account b may read Secret/shared only once KmsKey/shared-key
# lets it decrypt; every read, allowed or denied, is audited.
kf "$ex" secret get Secret/shared --as "$B"
expect_rc 1
expect_output "^keyform: error: $B cannot read Secret/shared: it lacks kms:Decrypt on KmsKey/shared-key: add a statement to a ResourcePolicy on KmsKey/shared-key"
no_output "$shared"
kf "$ex" secret get Secret/token --as "$B"
expect_rc 1
expect_output "lacks secret:GetSecretValue on Secret/token: add a statement to a ResourcePolicy on Secret/token"
kf "$ex" secret get Secret/token --as not-a-principal
expect_rc 1
expect_output 'principal: expected account:<id>/role:<name>'

# Access analysis: a target acting as b fails plan with the missing
# kms:Decrypt, then succeeds once the KmsKey's policy allows it.
cross_target
kf "$ex" plan
expect_rc 1
expect_output "^cross.yaml:[0-9]+:[0-9]+: spec.principal: $B may read Secret/shared but lacks kms:Decrypt on KmsKey/shared-key: add a statement to a ResourcePolicy on KmsKey/shared-key$"
kms_policy
kf "$ex" plan
expect_rc 0
expect_output "KmsKey/shared-key: $B may now kms:Decrypt"
kf "$ex" apply --auto-approve
expect_rc 0
[ "$(cat "$ex/out/shared.txt")" = "$shared" ] || fail "the cross-account target did not deploy"
[ "$(get Secret/shared --as "$B")" = "$shared" ] || fail "secret get --as after the policy"

kf "$ex" audit --json
jq -e --arg b "$B" 'map(select(.principal == $b and .resource == "Secret/shared"
        and .action == "secret:GetSecretValue")) | (map(.outcome) | index("denied")) != null
        and (map(.outcome) | index("ok")) != null' "$WORK/last.out" >/dev/null ||
  fail "the denied and allowed reads as b are not both audited"
jq -e 'map(select(.action == "secret:GetSecretValue" and .resource == "Secret/login"
        and .principal == "account:111122223333/role:owner" and .outcome == "ok")) | length >= 1' \
  "$WORK/last.out" >/dev/null || fail "secret get as the owner is not audited"
kf "$ex" audit verify
expect_rc 0

# No value anywhere keyform wrote or printed (but secret get's stdout and
# the deployed files).
kf "$ex" show
kf "$ex" plan --json
needles="$WORK/needles"
printf '%s\n' "$token1" "$token2" "$password" "$p12pass" "$p12pass2" "$shared" >"$needles"
for f in $(find "$ex/.keyform" -type f ! -name root.key) "$LOG"; do
  if grep -aF -f "$needles" "$f" >/dev/null; then fail "a secret value found in $f"; fi
done
echo PASS
