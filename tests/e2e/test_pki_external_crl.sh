# An external-parent CA with a CRL, a trust bundle of it and a target that
# deploys its chain and CRL: the bundle and the target wait with it; after
# `ca install` the CA signs its first CRL and the target writes the chain
# installed with it; a re-install on the same key keeps what it revoked and
# its CRL number.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/extcrl"
new_project "$p" >/dev/null
cat >"$p/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: corp
spec:
  type: subordinate
  parent: {external: true}
  subject: {commonName: Corp Issuing}
  crl: {enabled: true}
---
kind: TrustBundle
name: corp
spec: {authorities: [corp]}
---
kind: Certificate
name: web
spec: {issuer: corp, commonName: web.example}
---
kind: DeploymentTarget
name: corp
spec:
  source: CertificateAuthority/corp
  files:
    - {path: out/corp-chain.pem, content: chain}
    - {path: out/corp.crl, content: crl}
YAML
kf "$p" init >/dev/null
kf "$p" plan
expect_rc 0
expect_output 'create +CertificateAuthority/corp'
expect_output 'wait +TrustBundle/corp'
expect_output 'wait +DeploymentTarget/corp'
no_output 'create +TrustBundle/corp'
kf "$p" apply --auto-approve
expect_rc 0
[ ! -e "$p/out/corp.crl" ] || fail "a CRL was deployed for a pending CA"

# The outside parent signs the CSR.
x="$WORK/outside"
mkdir -p "$x"
printf '[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n' \
  >"$x/ext.cnf"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$x/root.key" \
  -subj "/CN=Outside Root" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$x/root.pem" 2>/dev/null
kf "$p" ca csr CertificateAuthority/corp >/dev/null
expect_rc 0
cp "$WORK/last.out" "$x/corp.csr"
sign() {  # OUT
  openssl x509 -req -in "$x/corp.csr" -CA "$x/root.pem" -CAkey "$x/root.key" -CAcreateserial \
    -days 1000 -extfile "$x/ext.cnf" -extensions ca -out "$1" 2>/dev/null
}
sign "$x/corp.pem"
kf "$p" ca install CertificateAuthority/corp --certificate "$x/corp.pem" --chain "$x/root.pem"
expect_rc 0

kf "$p" plan
expect_output 'update +CertificateAuthority/corp'
expect_output 'crl.enabled: no CRL signed yet'
expect_output 'create +TrustBundle/corp'
expect_output 'create +DeploymentTarget/corp'
kf "$p" apply --auto-approve
expect_rc 0
[ "$(attr "$p" CertificateAuthority/corp .crl.number)" = 1 ] || fail "no first CRL"
openssl crl -in "$p/out/corp.crl" -noout -CAfile "$x/corp.pem" 2>&1 | grep -q "verify OK" ||
  fail "the deployed CRL does not verify against the CA"
cmp -s "$p/out/corp-chain.pem" "$x/root.pem" || fail "the chain is not the one installed"
kf "$p" plan --detailed-exitcode
expect_rc 0

# The certificate replaced: corp revokes its old serial; the target follows.
sed -i 's/commonName: web.example/commonName: www.example/' "$p/pki.yaml"
kf "$p" apply --auto-approve
expect_rc 0
expect_output 'revoke +CertificateAuthority/corp'
[ "$(crl_serials "$p/out/corp.crl" | wc -l)" = 1 ] || fail "the deployed CRL lacks the revocation"
before=$(attr "$p" CertificateAuthority/corp '.revoked_certificates | length')
number=$(attr "$p" CertificateAuthority/corp .crl.number)
[ "$before" = 1 ] && [ "$number" = 2 ] || fail "revoke: $before revoked, CRL $number"
# A renewed certificate on the same key keeps both.
sign "$x/corp2.pem"
kf "$p" ca install CertificateAuthority/corp --certificate "$x/corp2.pem" --chain "$x/root.pem"
expect_rc 0
[ "$(attr "$p" CertificateAuthority/corp '.revoked_certificates | length')" = "$before" ] ||
  fail "a re-install changed the revocation list"
[ "$(attr "$p" CertificateAuthority/corp .crl.number)" = "$number" ] ||
  fail "a re-install reset the CRL number"
echo PASS
