# Importing an existing root CA from PEM files: the key is read once and
# sealed (the file can go afterwards); certificates issued under it verify
# against the original root certificate. Bad files are refused, naming
# the problem, and change nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/imp"
new_project "$p"
mkdir -p "$p/ca"
openssl req -x509 -newkey rsa:3072 -nodes -keyout "$p/ca/root.key" -subj "/O=Team/CN=Team Root" \
  -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$p/ca/root.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$p/ca/other.key" \
  -subj "/CN=Other" -days 365 -out "$p/ca/other.pem" 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$p/ca/leaf.key" \
  -subj "/CN=Not a CA" -days 365 -addext "basicConstraints=critical,CA:FALSE" \
  -out "$p/ca/leaf.pem" 2>/dev/null
openssl pkey -in "$p/ca/root.key" -aes256 -passout pass:secret -out "$p/ca/encrypted.key"

write_config() {  # CERT KEY
  cat >"$p/pki.yaml" <<YAML
kind: CertificateAuthority
name: root
spec:
  type: root
  import: {certificate: ca/$1, privateKey: ca/$2}
---
kind: Certificate
name: web
spec: {issuer: root, commonName: web.example, dnsNames: [web.example], validity: 30d}
---
kind: DeploymentTarget
name: web
spec:
  source: Certificate/web
  files: [{path: out/cert.pem, content: certificate}, {path: out/chain.pem, content: chain}]
YAML
}
kf "$p" init >/dev/null
before=$(state_digest "$p")
refused() {  # CERT KEY MESSAGE
  write_config "$1" "$2"
  kf "$p" apply --auto-approve
  expect_rc 1
  expect_output "$3"
  [ "$before" = "$(state_digest "$p")" ] || fail "a refused import ($3) changed the state"
  [ ! -e "$p/out/cert.pem" ] || fail "a refused import deployed a certificate"
}
refused root.pem other.key 'does not belong to the certificate in ca/root.pem'
refused leaf.pem leaf.key 'pki.yaml:[0-9]+:[0-9]+.*ca/leaf.pem cannot be imported as a CA: it is not a CA certificate'
refused root.pem encrypted.key 'is not an unencrypted PEM private key'
refused root.pem missing.key 'cannot read ca/missing.key'
# The passphrase never appears, and keyform never prompted for it (stdin
# is /dev/null, and the run ended).

write_config root.pem root.key
kf "$p" apply --auto-approve
expect_rc 0
kf "$p" show CertificateAuthority/root
expect_output 'imported: true'
expect_output 'key_algorithm: RSA_3072'
expect_output 'subject: CN=Team Root,O=Team'
openssl verify -CAfile "$p/ca/root.pem" "$p/out/cert.pem" >/dev/null || fail "leaf does not verify under the imported root"
cmp -s "$p/ca/root.pem" "$p/out/chain.pem" || fail "the chain is not the imported certificate"

# Read once: the key file can go; keyform keeps issuing with the sealed key.
rm "$p/ca/root.key"
kf "$p" plan --detailed-exitcode
expect_rc 0
kf "$p" apply --auto-approve --replace Certificate/web
expect_rc 0
openssl verify -CAfile "$p/ca/root.pem" "$p/out/cert.pem" >/dev/null || fail "re-issued leaf does not verify"
grep -rqs "BEGIN.*PRIVATE KEY" "$p/.keyform" && fail "a private key is in the state directory in clear"
# An imported CA is not renewed by keyform: the plan says what to do.
kf "$p" plan --at "$(days_from_now 3000)"
expect_output 'it is imported: put the renewed certificate and key files in place'
echo PASS
