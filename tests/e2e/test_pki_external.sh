# A subordinate CA whose parent is outside keyform: apply leaves it
# PENDING_CERTIFICATE and its dependents waiting (the plan says why);
# `ca csr` prints its CSR, openssl (the "external" parent) signs it, `ca
# install` refuses wrong certificates and activates the right one; apply
# then issues what waited, and the leaves verify against the outside root.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/ext"
new_project "$p"
cat >"$p/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: corp
spec:
  type: subordinate
  parent: {external: true}
  template: SubordinateCACertificate_PathLen1
  subject: {commonName: Corp Issuing, organization: Example}
  keyAlgorithm: EC_secp384r1
---
kind: CertificateAuthority
name: team
spec:
  type: subordinate
  parent: corp
  subject: {commonName: Team CA}
---
kind: Certificate
name: web
spec: {issuer: team, commonName: web.example, dnsNames: [web.example]}
---
kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files:
    - {path: out/cert.pem, content: certificate}
    - {path: out/chain.pem, content: chain}
---
kind: DeploymentTarget
name: corp
spec:
  source: CertificateAuthority/corp
  files: [{path: out/corp.pem, content: certificate}]
YAML
kf "$p" init >/dev/null
kf "$p" plan
expect_rc 0
expect_output 'create +CertificateAuthority/corp'
expect_output 'wait +CertificateAuthority/team'
expect_output 'waits for CertificateAuthority/corp: its new key needs a certificate from its external parent'
expect_output 'wait +Certificate/web'
expect_output 'wait +DeploymentTarget/web'
no_output 'create +Certificate/web'
# The CA's own target waits too: it has nothing to deploy yet.
expect_output 'wait +DeploymentTarget/corp'
no_output 'create +DeploymentTarget/corp'

# ca csr before apply: not in the state yet.
kf "$p" ca csr CertificateAuthority/corp
expect_rc 1
expect_output 'not in the state'

kf "$p" apply --auto-approve
expect_rc 0
[ ! -e "$p/out/cert.pem" ] || fail "a certificate was deployed below a pending CA"
[ ! -e "$p/out/corp.pem" ] || fail "the pending CA's target deployed something"
kf "$p" show CertificateAuthority/corp
expect_output 'status: PENDING_CERTIFICATE'
kf "$p" plan --detailed-exitcode
expect_rc 0
expect_output 'wait +CertificateAuthority/corp'
expect_output 'PENDING_CERTIFICATE: get its CSR signed \(keyform ca csr CertificateAuthority/corp\)'
expect_output 'waits for CertificateAuthority/corp: PENDING_CERTIFICATE'

kf "$p" ca csr CertificateAuthority/corp >/dev/null
expect_rc 0
cp "$WORK/last.out" "$WORK/corp.csr"
openssl req -in "$WORK/corp.csr" -noout -verify 2>&1 | grep -q "verify OK" || fail "the CSR does not verify"
openssl req -in "$WORK/corp.csr" -noout -subject | grep -q "CN = Corp Issuing" || fail "CSR subject"
openssl req -in "$WORK/corp.csr" -noout -text | grep -q "CA:TRUE, pathlen:1" || fail "CSR lacks CA:TRUE"

# The outside world: a root, and an intermediate to be the parent.
x="$WORK/outside"
mkdir -p "$x"
cat >"$x/ext.cnf" <<'CNF'
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
CNF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$x/root.key" \
  -subj "/CN=Outside Root" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$x/root.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$x/mid.key" \
  -subj "/CN=Outside Intermediate" -out "$x/mid.csr" 2>/dev/null
openssl x509 -req -in "$x/mid.csr" -CA "$x/root.pem" -CAkey "$x/root.key" -CAcreateserial \
  -days 3000 -extfile "$x/ext.cnf" -extensions ca -out "$x/mid.pem" 2>/dev/null
sign() {  # CSR OUT EXTENSIONS
  openssl x509 -req -in "$1" -CA "$x/mid.pem" -CAkey "$x/mid.key" -CAcreateserial -days 1000 \
    -copy_extensions copyall -extfile "$x/ext.cnf" -extensions "$3" -out "$2" 2>/dev/null
}
sign "$WORK/corp.csr" "$x/corp.pem" ca
cat "$x/mid.pem" "$x/root.pem" >"$x/chain.pem"

# Wrong inputs are refused and change nothing.
before=$(state_digest "$p")
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$x/other.key" \
  -subj "/CN=Other" -out "$x/other.csr" 2>/dev/null
sign "$x/other.csr" "$x/other.pem" ca
kf "$p" ca install CertificateAuthority/corp --certificate "$x/other.pem" --chain "$x/chain.pem"
expect_rc 1
expect_output "is not for CertificateAuthority/corp's key"
sign "$WORK/corp.csr" "$x/corp-leaf.pem" leaf
kf "$p" ca install CertificateAuthority/corp --certificate "$x/corp-leaf.pem"
expect_rc 1
expect_output 'not a CA certificate'
kf "$p" ca install CertificateAuthority/corp --certificate "$x/corp.pem" --chain "$x/root.pem"
expect_rc 1
expect_output 'not signed by the first certificate of --chain'
[ "$before" = "$(state_digest "$p")" ] || fail "a refused install changed the state"

kf "$p" ca install CertificateAuthority/corp --certificate "$x/corp.pem" --chain "$x/chain.pem"
expect_rc 0
expect_output 'it is ACTIVE'
kf "$p" plan
expect_output 'create +CertificateAuthority/team'
expect_output 'create +Certificate/web'
expect_output 'create +DeploymentTarget/corp'
kf "$p" apply --auto-approve
expect_rc 0
# The deployed chain runs up to the outside root: team, corp, intermediate, root.
[ "$(grep -c BEGIN "$p/out/chain.pem")" = 4 ] || fail "chain is not team, corp, mid, root"
openssl verify -CAfile "$x/root.pem" -untrusted "$p/out/chain.pem" "$p/out/cert.pem" >/dev/null \
  || fail "the leaf does not verify up to the outside root"
cmp -s "$x/corp.pem" "$p/out/corp.pem" || fail "the installed certificate was not deployed"
kf "$p" plan --detailed-exitcode
expect_rc 0
kf "$p" ca csr CertificateAuthority/team
expect_rc 1
expect_output 'has no CSR'
kf "$p" ca install CertificateAuthority/team --certificate "$x/corp.pem"
expect_rc 1
expect_output 'does not have an external parent'
echo PASS
