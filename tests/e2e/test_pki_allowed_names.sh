# Issuance guardrails on a CA: allowedNames refuses, at validate and with
# file:line:col, a Certificate for a name outside them (and changes
# nothing); maxValidity refuses a longer validity; nameConstraints: true
# writes them into the CA certificate, so an OpenSSL client rejects a
# certificate of that CA's key that violates them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p=$(new_project guard)
cat >"$p/ca.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Guarded Root}
  maxValidity: 30d
  allowedNames:
    dnsSuffixes: [example.test]
    ipRanges: [127.0.0.0/8]
    emailPatterns: ["*@example.test"]
  nameConstraints: true
YAML
cat >"$p/web.yaml" <<'YAML'
kind: Certificate
name: web
spec:
  issuer: root
  template: EndEntityServerAuthCertificate
  commonName: web.example.test
  dnsNames: [web.example.test, "*.api.example.test"]
  ipAddresses: [127.0.0.1]
  validity: 20d
---
kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files:
    - {path: out/cert.pem, content: certificate, mode: "0644"}
    - {path: out/ca.pem, content: chain, mode: "0644"}
YAML
kf "$p" validate
expect_rc 0
init_and_apply "$p"
openssl x509 -in "$p/out/ca.pem" -noout -text >"$WORK/ca.txt"
grep -A1 'X509v3 Name Constraints: critical' "$WORK/ca.txt" | grep -q Permitted ||
  fail "the CA certificate has no critical nameConstraints: $(cat "$WORK/ca.txt")"
grep -q 'DNS:example.test' "$WORK/ca.txt" || fail "example.test is not a permitted DNS subtree"
grep -q 'IP:127.0.0.0/255.0.0.0' "$WORK/ca.txt" || fail "127.0.0.0/8 is not a permitted IP subtree"
grep -q 'email:example.test' "$WORK/ca.txt" || fail "example.test is not a permitted email subtree"
openssl verify -CAfile "$p/out/ca.pem" "$p/out/cert.pem" >/dev/null ||
  fail "a certificate within the constraints does not verify"
before=$(state_digest "$p")

# refused FIELD-PATTERN MESSAGE: validate and apply refuse bad.yaml, nothing changes.
refused() {
  kf "$p" validate
  expect_rc 1
  expect_output "bad.yaml:[0-9]+:[0-9]+: .*$1"
  kf "$p" apply --auto-approve
  expect_rc 1
  [ "$(state_digest "$p")" = "$before" ] || fail "a refused certificate changed the state"
}
leaf() { printf 'kind: Certificate\nname: bad\nspec:\n  issuer: root\n  validity: 20d\n%s\n' "$1" >"$p/bad.yaml"; }
leaf '  dnsNames: [ok.example.test, evil.other.test]'
refused '"evil.other.test" is outside the allowedNames of CertificateAuthority/root \(dnsSuffixes: example.test\)'
# At the offending name itself.
kf "$p" validate
expect_output 'bad.yaml:6:31: spec.dnsNames\[1\]: "evil.other.test"'
leaf '  dnsNames: [notexample.test]'
refused '"notexample.test" is outside the allowedNames'
leaf '  commonName: www.other.test'
refused '"www.other.test" is outside the allowedNames'
leaf '  ipAddresses: [10.1.2.3]'
refused '"10.1.2.3" is outside the allowedNames of CertificateAuthority/root \(ipRanges: 127.0.0.0/8\)'
leaf '  uris: ["spiffe://example.test/web"]'
refused '"spiffe://example.test/web": CertificateAuthority/root issues no URIs \(allowedNames has no uriPatterns\)'
leaf '  emails: [ops@other.test]'
refused '"ops@other.test" is outside the allowedNames'
printf 'kind: Certificate\nname: bad\nspec: {issuer: root, validity: 60d, dnsNames: [long.example.test]}\n' >"$p/bad.yaml"
refused 'validity 60d is longer than the maxValidity 30d of CertificateAuthority/root'
# A subordinate's certificates answer to the root's allowedNames too.
cat >"$p/bad.yaml" <<'YAML'
kind: CertificateAuthority
name: mid
spec: {type: subordinate, parent: root, subject: {commonName: Mid}}
---
kind: Certificate
name: bad
spec: {issuer: mid, validity: 20d, dnsNames: [x.other.test]}
YAML
refused '"x.other.test" is outside the allowedNames of CertificateAuthority/root'
# The CA's own fields.
cat >"$p/bad.yaml" <<'YAML'
kind: CertificateAuthority
name: bad
spec:
  type: root
  subject: {commonName: Bad}
  allowedNames: {dnsSuffixes: ["*.example.test"], ipRanges: [10.0.0.0/33]}
YAML
refused '"\*.example.test" is not a DNS domain'
expect_output '"10.0.0.0/33" is not a CIDR range'
printf 'kind: CertificateAuthority\nname: bad\nspec: {type: root, subject: {commonName: B}, nameConstraints: true}\n' >"$p/bad.yaml"
refused 'nameConstraints: true needs allowedNames'
rm "$p/bad.yaml"

# Tightened: the CA is signed anew with the same key and the new
# constraints, and the earlier certificate (same issuer key, now outside
# them) is rejected by OpenSSL as a permitted-subtree violation.
cp "$p/out/cert.pem" "$WORK/old-web.pem"
cp "$p/out/ca.pem" "$WORK/old-ca.pem"
rm "$p/web.yaml"
sed -i 's/dnsSuffixes: \[example.test\]/dnsSuffixes: [other.test]/; s|ipRanges: \[127.0.0.0/8\]|ipRanges: [10.0.0.0/8]|' "$p/ca.yaml"
kf "$p" plan
expect_output 'spec.allowedNames changed'
kf "$p" apply --auto-approve
expect_rc 0
kf "$p" show CertificateAuthority/root --json >/dev/null
jq -r .attributes.certificate_pem "$WORK/last.out" >"$WORK/new-ca.pem"
grep -q 'DNS:other.test' <(openssl x509 -in "$WORK/new-ca.pem" -noout -text) ||
  fail "the renewed CA certificate does not carry the new constraints"
[ "$(openssl x509 -in "$WORK/new-ca.pem" -noout -pubkey | openssl sha256)" = \
  "$(openssl x509 -in "$WORK/old-ca.pem" -noout -pubkey | openssl sha256)" ] || fail "the CA key changed"
openssl verify -CAfile "$WORK/old-ca.pem" "$WORK/old-web.pem" >/dev/null ||
  fail "the earlier certificate does not verify under the CA certificate it was issued with"
set +e
openssl verify -CAfile "$WORK/new-ca.pem" "$WORK/old-web.pem" >"$WORK/verify.out" 2>&1
verify_rc=$?
set -e
[ "$verify_rc" -ne 0 ] || fail "OpenSSL accepted a certificate outside the CA's name constraints"
grep -q 'permitted subtree violation' "$WORK/verify.out" ||
  fail "OpenSSL refused it for another reason: $(cat "$WORK/verify.out")"
echo PASS
