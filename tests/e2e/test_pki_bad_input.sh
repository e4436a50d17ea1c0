# Every bad PKI input is refused with file:line:col and what was expected,
# and changes nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/bad"
new_project "$p"
cat >"$p/good.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec: {type: root, subject: {commonName: Root}, pathLength: 1}
---
kind: CertificateAuthority
name: ed
spec: {type: root, subject: {commonName: Ed}, keyAlgorithm: ED25519}
---
kind: CertificateAuthority
name: mid
spec: {type: subordinate, parent: root, subject: {commonName: Mid}, template: SubordinateCACertificate_PathLen0}
YAML
init_and_apply "$p"
before=$(state_digest "$p")

# bad YAML MESSAGE: the document is refused by validate and apply alike.
bad() {
  printf '%s\n' "$1" >"$p/bad.yaml"
  kf "$p" validate
  expect_rc 1
  expect_output "bad.yaml:[0-9]+:[0-9]+: .*$2"
  kf "$p" apply --auto-approve
  expect_rc 1
  expect_output "$2"
  [ "$before" = "$(state_digest "$p")" ] || fail "a refused config ($2) changed the state"
}
leaf() { printf 'kind: Certificate\nname: bad\nspec: {issuer: %s, %s}' "$1" "$2"; }
ca() { printf 'kind: CertificateAuthority\nname: bad\nspec: {%s}' "$1"; }

bad "$(ca 'type: root, subject: {commonName: X}, signingAlgorithm: SHA256WITHRSA')" \
  'signingAlgorithm SHA256WITHRSA does not fit keyAlgorithm EC_prime256v1 \(an EC key\)'
bad "$(ca 'type: root, subject: {commonName: X}, keyAlgorithm: RSA_2048, signingAlgorithm: ED25519')" \
  'signingAlgorithm ED25519 does not fit keyAlgorithm RSA_2048 \(an RSA key\)'
bad "$(leaf ed 'commonName: x, signingHash: sha384')" \
  'the issuer CertificateAuthority/ed signs with ED25519, which has no separate hash'
bad "$(leaf root 'dnsNames: ["w*.example.com"]')" '"w\*.example.com" is not a valid DNS name'
bad "$(leaf root 'dnsNames: ["*.*.example.com"]')" '"\*.\*.example.com" is not a valid DNS name'
bad "$(leaf root 'dnsNames: ["a.*.example.com"]')" 'wildcard only as the whole left-most'
bad "$(leaf root 'dnsNames: ["-a.example.com"]')" '"-a.example.com" is not a valid DNS name'
bad "$(leaf root 'ipAddresses: [10.0.0.256]')" '"10.0.0.256" is not an IPv4 or IPv6 address'
bad "$(leaf root 'ipAddresses: ["fd00::g1"]')" '"fd00::g1" is not an IPv4 or IPv6 address'
bad "$(leaf root 'uris: ["no scheme here"]')" '"no scheme here" is not a URI'
bad "$(leaf root 'emails: [ops.example.com]')" '"ops.example.com" is not an email address'
bad "$(leaf root 'commonName: x, keyAlgorithm: ED25519, privateKey: {encoding: PKCS1}')" \
  'an ED25519 key has no PKCS1 encoding'
bad "$(ca 'type: subordinate, subject: {commonName: X}')" 'type: subordinate needs parent'
bad "$(ca 'type: root, parent: root, subject: {commonName: X}')" 'a root CA has no parent'
bad "$(ca 'type: root, template: SubordinateCACertificate_PathLen1, subject: {commonName: X}')" \
  'is for subordinate CAs'
bad "$(ca 'type: subordinate, parent: root, template: SubordinateCACertificate_PathLen0, pathLength: 2, subject: {commonName: X}')" \
  'pathLength 2 contradicts template SubordinateCACertificate_PathLen0'
bad "$(ca 'type: subordinate, parent: root, pathLength: 1, subject: {commonName: X}')" \
  'path length 1 is more than the parent CertificateAuthority/root allows below it \(0\)'
bad "$(ca 'type: subordinate, parent: mid, subject: {commonName: X}')" \
  'CertificateAuthority/mid has path length 0: no CA may sit below it'
bad "$(ca 'type: subordinate, parent: root, import: {certificate: a.pem, privateKey: a.key}')" \
  'an imported CA cannot have a parent in the configuration'
bad "$(ca 'type: root')" 'subject is required'
bad "$(ca 'type: subordinate, parent: rot, subject: {commonName: X}')" 'did you mean "root"'
bad "$(ca 'type: root, subject: {commonName: X}, template: EndEntityCertificate')" 'template'
echo PASS
