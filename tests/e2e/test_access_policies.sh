#!/usr/bin/env bash
# ResourcePolicy end to end: access check names the deciding statement;
# a cross-account DeploymentTarget fails plan with the missing kms:Decrypt
# until the KmsKey's policy allows it; bad policies fail with file:line:col
# and change nothing; plans show sharing as `share` actions.
source "$(dirname "$0")/lib.sh"

dir=$(use_example cross-account)
B=account:444455556666/role:apache

# access check: ALLOW (exit 0) and DENY (exit 2), each naming what decided.
kf "$dir" access check --principal "$B" --action kms:Decrypt --resource KmsKey/ca-key
expect_rc 0
expect_output '^ALLOW: statement "ApacheDecryptsKeys" of ResourcePolicy/ca-key at policies.yaml:[0-9]+$'
kf "$dir" access check --principal account:444455556666/role:intern-7 --action kms:Decrypt \
  --resource KmsKey/ca-key
expect_rc 2
expect_output '^DENY: statement "NobodyElseOutside" of ResourcePolicy/ca-key at policies.yaml:[0-9]+$'
kf "$dir" access check --principal account:999/role:apache --action pki:GetCertificate \
  --resource CertificateAuthority/root
expect_rc 2
expect_output '^DENY: no statement allows it$'
kf "$dir" access check --principal account:111122223333/role:anyone --action kms:Encrypt \
  --resource KmsKey/ca-key
expect_rc 0
expect_output '^ALLOW: account 111122223333 owns KmsKey/ca-key$'
# The template condition of a private CA.
kf "$dir" access check --principal account:444455556666/role:ci-main \
  --action pki:IssueCertificate --resource CertificateAuthority/root \
  --context pki:Template=EndEntityServerAuthCertificate
expect_rc 0
kf "$dir" access check --principal account:444455556666/role:ci-main \
  --action pki:IssueCertificate --resource CertificateAuthority/root \
  --context pki:Template=CodeSigningCertificate
expect_rc 2
kf "$dir" access check --principal "$B" --action kms:Decrypt --resource KmsKey/ca-key --json
expect_rc 0
jq -e '.decision == "ALLOW" and .statement.sid == "ApacheDecryptsKeys" and .statement.line > 0' \
  "$WORK/last.out" >/dev/null || fail "access check --json"
# A malformed request is an error (exit 1), not a DENY.
kf "$dir" access check --principal "$B" --action kms:Decryp --resource KmsKey/ca-key
expect_rc 1
expect_output 'did you mean "kms:Decrypt"'

# Cross-account: without the KmsKey's policy, plan fails naming the missing
# permission and where to add it.
kf "$dir" init >/dev/null
cp "$dir/policies.yaml" "$WORK/policies.full"
awk '/^---$/{exit} {print}' "$WORK/policies.full" >"$dir/policies.yaml"
kf "$dir" plan
expect_rc 1
expect_output "^deploy.yaml:[0-9]+:[0-9]+: spec.principal: $B has pki:GetCertificate on CertificateAuthority/root but lacks kms:Decrypt on KmsKey/ca-key: add a statement to a ResourcePolicy on KmsKey/ca-key$"
kf "$dir" validate
expect_rc 1
expect_output 'lacks kms:Decrypt on KmsKey/ca-key'
# With the policy back, plan shows the sharing and apply deploys.
cp "$WORK/policies.full" "$dir/policies.yaml"
kf "$dir" plan
expect_rc 0
expect_output "share +ResourcePolicy/ca-key"
expect_output "KmsKey/ca-key: $B may now kms:Decrypt"
kf "$dir" apply --auto-approve
expect_rc 0
[ -f "$dir/out/web/key.pem" ] || fail "the key was not deployed"
kf "$dir" show ResourcePolicy/ca-key --json
jq -e '.attributes.grants | map(select(.principal == "'"$B"'" and .action == "kms:Decrypt")) | length == 1' \
  "$WORK/last.out" >/dev/null || fail "the effective grants are not recorded"

# Changing a policy is a share action saying what stopped, too.
sed -i '/sid: NobodyElseOutside/,+3d' "$dir/policies.yaml"
kf "$dir" plan
expect_rc 0
expect_output "share +ResourcePolicy/ca-key"
expect_output 'KmsKey/ca-key: account:444455556666/role:intern-\* no longer denied kms:Decrypt'
cp "$WORK/policies.full" "$dir/policies.yaml"

# Bad input: every problem with file:line:col, exit 1, nothing changed.
before=$(state_fingerprint "$dir")
cat >"$dir/bad.yaml" <<'YAML'
kind: ResourcePolicy
name: bad
spec:
  resource: KmsKey/ca-key
  statements:
    - sid: Open
      effect: Allow
      principals: ["*", "account:*/role:apache", "role:apache"]
      actions: [kms:Decrypt, kms:Decryptt, secret:GetSecretValue]
YAML
kf "$dir" plan
expect_rc 1
expect_output '^bad.yaml:8:20: spec.statements\[0\].principals\[0\]: "\*" is a public principal'
expect_output '^bad.yaml:8:25: spec.statements\[0\].principals\[1\]: "account:\*/role:apache" is a public principal'
expect_output '^bad.yaml:8:50: spec.statements\[0\].principals\[2\]: expected a principal like account:<id>/role:<name>'
expect_output '^bad.yaml:9:30: spec.statements\[0\].actions\[1\]: unknown action "kms:Decryptt" \(did you mean "kms:Decrypt"\?\)'
expect_output '^bad.yaml:9:44: spec.statements\[0\].actions\[2\]: secret:GetSecretValue does not apply on a KmsKey'
kf "$dir" apply --auto-approve
expect_rc 1
after=$(state_fingerprint "$dir")
[ "$before" = "$after" ] || fail "a bad config changed the state"
# allowPublic: true is the explicit opt-in.
sed -i 's/  statements:/  allowPublic: true\n  statements:/; s/, "role:apache"//; s/, kms:Decryptt, secret:GetSecretValue//' "$dir/bad.yaml"
kf "$dir" validate
expect_rc 0
echo "ok"
