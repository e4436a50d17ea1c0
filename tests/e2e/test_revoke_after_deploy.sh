# A replaced certificate's old serial is revoked only once its replacement
# is deployed: the plan's revoke names the target it waits for; when that
# deploy fails (a failing reload), the old certificate stays off the CRL,
# the revoke is reported as skipped because of the target, and the next
# apply that deploys revokes it.
source "$(dirname "$0")/pki_lib.sh"
export KEYFORM_ROOT_KEY=$(openssl rand -base64 32)
ex=$(new_project revoke-after-deploy)
cat >"$ex/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Revoke After Deploy Root}
  crl: {enabled: true, validity: 6d}
---
kind: Certificate
name: web
spec:
  issuer: root
  commonName: web.example.test
  dnsNames: [web.example.test]
---
kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files:
    - {path: out/web.crt, content: fullchain}
    - {path: out/web.key, content: privateKey}
  reload:
    command: [sh, -c, 'test ! -e FLAG']
YAML
sed -i "s|FLAG|$ex/reload-fails|" "$ex/pki.yaml"
init_and_apply "$ex"
old=$(attr "$ex" Certificate/web .serial)

# Replace the certificate; the reload fails, so the deploy is restored.
sed -i 's/dnsNames: \[web.example.test\]/dnsNames: [web.example.test, www.example.test]/' "$ex/pki.yaml"
kf "$ex" plan
expect_rc 0
expect_output 'revoke +CertificateAuthority/root'
expect_output 'after DeploymentTarget/web \(the replacement is in place first'
kf "$ex" plan --json
jq -e '[.actions[] | select(.action == "revoke")][0].after | index("DeploymentTarget/web") != null' \
  "$WORK/last.out" >/dev/null || fail "the revoke does not wait for the target in plan JSON"
touch "$ex/reload-fails"
kf "$ex" apply --auto-approve
[ "$rc" -ne 0 ] || fail "apply with a failing reload exited 0"
expect_output 'DeploymentTarget/web'
expect_output 'skipped.*CertificateAuthority/root|CertificateAuthority/root.*skipped'
attr "$ex" CertificateAuthority/root .crl.pem >"$WORK/crl.pem"
if crl_serials "$WORK/crl.pem" | grep -qi "^$old$"; then
  fail "the old serial was revoked although its replacement was not deployed"
fi
openssl x509 -in "$ex/out/web.crt" -noout -serial | grep -qi "=$old$" \
  || fail "the restored file is not the old certificate"

# Fixed: the next apply deploys, then revokes the old serial.
rm "$ex/reload-fails"
kf "$ex" plan
expect_output 'revoke +CertificateAuthority/root'
kf "$ex" apply --auto-approve
expect_rc 0
attr "$ex" CertificateAuthority/root .crl.pem >"$WORK/crl.pem"
crl_serials "$WORK/crl.pem" | grep -qi "^$old$" || fail "the old serial was not revoked after the deploy"
kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
