# Replacing a CA re-issues what it signed, and a client that trusts the
# TrustBundle (extracted from `show --json`) verifies both an old leaf and a
# new leaf during the overlap; once the previous CA certificate expires the
# bundle drops it (an update with its reason).
source "$(dirname "$0")/pki_lib.sh"
export KEYFORM_ROOT_KEY=$(openssl rand -base64 32)
ex=$(new_project rotation)
cat >"$ex/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Rotation Test Root}
  validity: 2y
  crl: {enabled: true}
---
kind: Certificate
name: web
spec:
  issuer: root
  commonName: web.example.test
  validity: 90d
---
kind: TrustBundle
name: clients
spec:
  authorities: [root]
YAML
init_and_apply "$ex"
cd "$WORK"
attr "$ex" Certificate/web .certificate_pem >old-leaf.pem
attr "$ex" CertificateAuthority/root .certificate_pem >old-ca.pem
old_ca_fp=$(attr "$ex" CertificateAuthority/root .fingerprint_sha256)

# A new key for the CA, a month on: the whole cascade is in the plan.
export KEYFORM_NOW=$(days_from_now 30)
kf "$ex" plan --replace CertificateAuthority/root
expect_rc 0
expect_output 'replace +CertificateAuthority/root'
expect_output 'replace +Certificate/web'
expect_output 'issuer CertificateAuthority/root is replaced'
expect_output 'update +TrustBundle/clients'
expect_output 'authority CertificateAuthority/root gets a new key'
no_output 'revoke'  # the old key is retired with its CA certificate, not revoked
kf "$ex" apply --auto-approve --replace CertificateAuthority/root
expect_rc 0
attr "$ex" Certificate/web .certificate_pem >new-leaf.pem
attr "$ex" CertificateAuthority/root .certificate_pem >new-ca.pem
attr "$ex" TrustBundle/clients .pem >bundle.pem
[ "$(attr "$ex" TrustBundle/clients '.certificates | length')" = 2 ] || fail "bundle does not hold two CA certificates"
[ "$(attr "$ex" TrustBundle/clients '.certificates[1].fingerprint')" = "$old_ca_fp" ] \
  || fail "the previous CA certificate is not second in the bundle"
[ "$(attr "$ex" TrustBundle/clients '.certificates[0].authority')" = CertificateAuthority/root ] \
  || fail "bundle entries do not name their authority"

at=$(date -u -d "+30 days 1 hour" +%s)
for leaf in old-leaf new-leaf; do
  openssl verify -attime "$at" -CAfile bundle.pem $leaf.pem >/dev/null || fail "$leaf does not verify against the bundle"
done
# The bundle is what keeps the old leaf working: the new CA alone rejects it.
if openssl verify -attime "$at" -CAfile new-ca.pem old-leaf.pem >/dev/null 2>&1; then
  fail "old leaf verifies against the new CA alone: the test proves nothing"
fi
kf "$ex" plan --detailed-exitcode
expect_rc 0

# The previous CA certificate expires two years after it was made: the
# bundle drops it.
kf "$ex" plan --at "$(days_from_now 731)"
expect_output 'update +TrustBundle/clients'
expect_output "CertificateAuthority/root certificate ${old_ca_fp:0:16} expired"
export KEYFORM_NOW=$(days_from_now 731)
kf "$ex" apply --auto-approve
expect_rc 0
attr "$ex" TrustBundle/clients '.certificates[].fingerprint' | grep -q "$old_ca_fp" \
  && fail "expired CA certificate still in the bundle"
echo PASS
