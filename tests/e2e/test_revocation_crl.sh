# A replaced or deleted certificate is revoked by its CA: the plan shows the
# revoke with reasons, the CRL (extracted from `show --json`) makes
# `openssl verify -crl_check` reject the old certificates and accept the
# live ones, and the CRL is refreshed before its nextUpdate (KEYFORM_NOW).
source "$(dirname "$0")/pki_lib.sh"
export KEYFORM_ROOT_KEY=$(openssl rand -base64 32)
ex=$(new_project revocation)
cat >"$ex/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Revocation Test Root}
  crl: {enabled: true, validity: 6d, distributionPoint: "http://crl.example.test/root.crl"}
---
kind: Certificate
name: web
spec:
  issuer: root
  commonName: web.example.test
  dnsNames: [web.example.test]
---
kind: Certificate
name: stays
spec:
  issuer: root
  commonName: stays.example.test
YAML
cat >"$ex/gone.yaml" <<'YAML'
kind: Certificate
name: gone
spec:
  issuer: root
  commonName: gone.example.test
YAML
init_and_apply "$ex"
cd "$WORK"
attr "$ex" CertificateAuthority/root .certificate_pem >ca.pem
for c in web stays gone; do attr "$ex" Certificate/$c .certificate_pem >$c-1.pem; done
attr "$ex" CertificateAuthority/root .crl.pem >crl-1.pem
[ "$(attr "$ex" CertificateAuthority/root .crl.number)" = 1 ] || fail "first CRL is not number 1"
openssl crl -in crl-1.pem -CAfile ca.pem -noout 2>&1 | grep -q 'verify OK' || fail "CRL signature does not verify"
openssl x509 -in web-1.pem -noout -ext crlDistributionPoints | grep -q 'URI:http://crl.example.test/root.crl' \
  || fail "issued certificate has no CRL distribution point"
openssl verify -crl_check -CAfile ca.pem -CRLfile crl-1.pem web-1.pem >/dev/null || fail "live certificate rejected"

# Replace web (a new name) and delete gone: both revoked, in one plan.
sed -i 's/dnsNames: \[web.example.test\]/dnsNames: [web.example.test, www.example.test]/' "$ex/pki.yaml"
rm "$ex/gone.yaml"
kf "$ex" plan
expect_rc 0
expect_output 'replace +Certificate/web'
expect_output 'revoke +CertificateAuthority/root'
expect_output "Certificate/web serial $(attr "$ex" Certificate/web .serial): superseded \(replaced\)"
expect_output "Certificate/gone serial $(attr "$ex" Certificate/gone .serial): cessationOfOperation \(deleted\)"
kf "$ex" plan --json
jq -e '[.actions[] | select(.action == "revoke") | .revocations[].reason] == ["superseded", "cessationOfOperation"]' \
  "$WORK/last.out" >/dev/null || fail "plan JSON does not carry the revocations"
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'CertificateAuthority/root: revoked .*2 revoked, CRL number 2'
attr "$ex" CertificateAuthority/root .crl.pem >crl-2.pem
attr "$ex" Certificate/web .certificate_pem >web-2.pem
[ "$(attr "$ex" CertificateAuthority/root .crl.revoked)" = 2 ] || fail "crl.revoked is not 2"
openssl crl -in crl-2.pem -noout -text | grep -q 'Superseded' || fail "no superseded reason in the CRL"
openssl crl -in crl-2.pem -noout -text | grep -q 'Cessation Of Operation' || fail "no cessationOfOperation in the CRL"
for c in web-1 gone-1; do
  if openssl verify -crl_check -CAfile ca.pem -CRLfile crl-2.pem $c.pem >verify.out 2>&1; then
    fail "$c: revoked certificate accepted"
  fi
  grep -q 'certificate revoked' verify.out || fail "$c: rejected for another reason: $(cat verify.out)"
done
for c in web-2 stays-1; do
  openssl verify -crl_check -CAfile ca.pem -CRLfile crl-2.pem $c.pem >/dev/null || fail "$c: live certificate rejected"
done
kf "$ex" plan --detailed-exitcode
expect_rc 0

# Refresh: a 6d CRL is refreshed once 2d are left, and not before.
kf "$ex" plan --at "$(days_from_now 3)" --detailed-exitcode
expect_rc 0
kf "$ex" plan --at "$(days_from_now 5)" --detailed-exitcode
expect_rc 2
expect_output 'update +CertificateAuthority/root'
expect_output 'CRL expires in (23h|1d)'
KEYFORM_NOW=$(days_from_now 5) kf "$ex" apply --auto-approve
expect_rc 0
attr "$ex" CertificateAuthority/root .crl.pem >crl-3.pem
[ "$(attr "$ex" CertificateAuthority/root .crl.number)" = 3 ] || fail "refreshed CRL is not number 3"
[ "$(crl_serials crl-3.pem | sort)" = "$(crl_serials crl-2.pem | sort)" ] || fail "refresh changed the revoked serials"
at=$(date -u -d "+5 days 1 hour" +%s)
openssl verify -attime "$at" -crl_check -CAfile ca.pem -CRLfile crl-3.pem web-2.pem >/dev/null \
  || fail "live certificate rejected with the refreshed CRL"
if openssl verify -attime "$at" -crl_check -CAfile ca.pem -CRLfile crl-3.pem web-1.pem >/dev/null 2>&1; then
  fail "revoked certificate accepted with the refreshed CRL"
fi
echo PASS
