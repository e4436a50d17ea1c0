# A root, two levels of subordinates, every template and key algorithm:
# `openssl x509 -text` shows each template's extensions (critical where they
# must be), and every leaf verifies with -CAfile root -untrusted
# intermediates, and with the chain keyform deploys.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/pki_lib.sh"
p="$WORK/hier"
new_project "$p"
cat >"$p/cas.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Test Root, organization: Example}
  keyAlgorithm: EC_secp384r1
  signingAlgorithm: SHA384WITHECDSA
---
kind: CertificateAuthority
name: issuing
spec:
  type: subordinate
  parent: root
  template: SubordinateCACertificate_PathLen1
  subject: {commonName: Test Issuing}
  keyAlgorithm: RSA_3072
  signingAlgorithm: SHA512WITHRSA
  validity: 5y
---
kind: CertificateAuthority
name: team
spec:
  type: subordinate
  parent: issuing
  pathLength: 0
  subject: {commonName: Test Team}
  keyAlgorithm: EC_prime256v1
  validity: 2y
---
kind: CertificateAuthority
name: edroot
spec:
  type: root
  subject: {commonName: Ed Root}
  keyAlgorithm: ED25519
YAML
# One leaf per template (under team, two levels down) and one per key
# algorithm and hash (under issuing).
{
  for t in EndEntityCertificate EndEntityServerAuthCertificate EndEntityClientAuthCertificate \
           CodeSigningCertificate OCSPSigningCertificate; do
    n=$(echo "$t" | tr 'A-Z' 'a-z' | sed 's/certificate$//')
    cat <<YAML
---
kind: Certificate
name: t-$n
spec: {issuer: team, template: $t, commonName: $n.example, dnsNames: [$n.example]}
---
kind: DeploymentTarget
name: t-$n
spec:
  source: Certificate/t-$n
  files:
    - {path: out/t-$n/cert.pem, content: certificate}
    - {path: out/t-$n/chain.pem, content: chain}
    - {path: out/t-$n/fullchain.pem, content: fullchain}
YAML
  done
  i=0
  for a in EC_prime256v1 EC_secp384r1 RSA_2048 RSA_3072 RSA_4096 ED25519; do
    for h in sha256 sha384 sha512; do
      [ "$a" = RSA_4096 ] && [ "$h" != sha512 ] && continue  # keygen is slow; one is enough
      i=$((i + 1))
      n=$(echo "a-$a-$h" | tr 'A-Z_' 'a-z-')
      cat <<YAML
---
kind: Certificate
name: $n
spec: {issuer: issuing, keyAlgorithm: $a, signingHash: $h, commonName: $n, ipAddresses: [10.0.0.$i, "fd00::$i"], emails: [ops@example.com], uris: ["spiffe://example.com/$n"]}
---
kind: DeploymentTarget
name: $n
spec:
  source: Certificate/$n
  files:
    - {path: out/$n/cert.pem, content: certificate}
    - {path: out/$n/chain.pem, content: chain}
YAML
    done
  done
  cat <<YAML
---
kind: Certificate
name: ed-leaf
spec: {issuer: edroot, commonName: ed.example, keyAlgorithm: ED25519}
---
kind: DeploymentTarget
name: ed-leaf
spec:
  source: Certificate/ed-leaf
  files: [{path: out/ed-leaf/cert.pem, content: certificate}]
YAML
  for ca in root issuing team edroot; do
    cat <<YAML
---
kind: DeploymentTarget
name: ca-$ca
spec:
  source: CertificateAuthority/$ca
  files: [{path: out/ca/$ca.pem, content: certificate}]
YAML
  done
} >"$p/leaves.yaml"

kf "$p" validate
expect_rc 0
init_and_apply "$p"
o="$p/out"
cat "$o/ca/issuing.pem" "$o/ca/team.pem" >"$WORK/intermediates.pem"

# CA certificates: the CA profile, path lengths from template and pathLength.
for ca in root issuing team; do
  expect_ext "$o/ca/$ca.pem" "Basic Constraints" "CA:TRUE" critical
  expect_ext "$o/ca/$ca.pem" "Key Usage" "Digital Signature, Certificate Sign, CRL Sign" critical
done
expect_ext "$o/ca/issuing.pem" "Basic Constraints" "pathlen:1"
expect_ext "$o/ca/team.pem" "Basic Constraints" "pathlen:0"
openssl x509 -in "$o/ca/issuing.pem" -noout -text | grep -q "sha384WithRSAEncryption\|ecdsa-with-SHA384" \
  || fail "root did not sign issuing with SHA-384"
openssl x509 -in "$o/ca/issuing.pem" -noout -issuer | grep -q "Test Root" || fail "issuing: wrong issuer"
openssl x509 -in "$o/ca/team.pem" -noout -issuer | grep -q "Test Issuing" || fail "team: wrong issuer"
openssl verify -CAfile "$o/ca/root.pem" -untrusted "$o/ca/issuing.pem" "$o/ca/team.pem" >/dev/null \
  || fail "team does not verify"

# Templates (two subordinate levels below the root).
check_template() {  # NAME EKU
  local c="$o/t-$1/cert.pem"
  expect_ext "$c" "Basic Constraints" "CA:FALSE" critical
  expect_ext "$c" "Key Usage" "Digital Signature" critical
  expect_ext "$c" "Extended Key Usage" "$2" noncritical
  expect_ext "$c" "Subject Alternative Name" "DNS:$1.example"
  expect_ext "$c" "Authority Key Identifier" ""
  openssl verify -CAfile "$o/ca/root.pem" -untrusted "$WORK/intermediates.pem" "$c" >/dev/null \
    || fail "t-$1 does not verify through two subordinate levels"
  openssl verify -CAfile "$o/ca/root.pem" -untrusted "$o/t-$1/chain.pem" "$c" >/dev/null \
    || fail "t-$1 does not verify with its deployed chain"
  # fullchain: the leaf, both intermediates (nearest first), the root.
  [ "$(grep -c BEGIN "$o/t-$1/fullchain.pem")" = 4 ] || fail "t-$1 fullchain is not leaf + 2 CAs + root"
  cat "$c" "$o/ca/team.pem" "$o/ca/issuing.pem" "$o/ca/root.pem" | cmp -s - "$o/t-$1/fullchain.pem" \
    || fail "t-$1 fullchain is not leaf, team, issuing, root"
}
check_template endentity "TLS Web Server Authentication, TLS Web Client Authentication"
check_template endentityserverauth "TLS Web Server Authentication"
check_template endentityclientauth "TLS Web Client Authentication"
check_template codesigning "Code Signing"
check_template ocspsigning "OCSP Signing"
if ext_of "$o/t-endentityserverauth/cert.pem" "Extended Key Usage" | grep -q "Client"; then
  fail "server template carries clientAuth"
fi

# Key algorithms and signing hashes (RSA issuer).
for d in "$o"/a-*; do
  c="$d/cert.pem"
  n=$(basename "$d")
  openssl verify -CAfile "$o/ca/root.pem" -untrusted "$d/chain.pem" "$c" >/dev/null \
    || fail "$n does not verify with its deployed chain"
  text=$(openssl x509 -in "$c" -noout -text)
  case "$n" in
    *sha256) grep -q "sha256WithRSAEncryption" <<<"$text" || fail "$n: not signed with SHA-256" ;;
    *sha384) grep -q "sha384WithRSAEncryption" <<<"$text" || fail "$n: not signed with SHA-384" ;;
    *sha512) grep -q "sha512WithRSAEncryption" <<<"$text" || fail "$n: not signed with SHA-512" ;;
  esac
  case "$n" in
    a-ec-prime256v1-*) grep -q "prime256v1" <<<"$text" || fail "$n: not P-256" ;;
    a-ec-secp384r1-*) grep -q "secp384r1" <<<"$text" || fail "$n: not P-384" ;;
    a-rsa-2048-*) grep -q "(2048 bit)" <<<"$text" || fail "$n: not RSA 2048" ;;
    a-rsa-3072-*) grep -q "(3072 bit)" <<<"$text" || fail "$n: not RSA 3072" ;;
    a-rsa-4096-*) grep -q "(4096 bit)" <<<"$text" || fail "$n: not RSA 4096" ;;
    a-ed25519-*) grep -q "ED25519" <<<"$text" || fail "$n: not ED25519" ;;
  esac
  case "$n" in
    a-rsa-*) expect_ext "$c" "Key Usage" "Digital Signature, Key Encipherment" critical ;;
    *) expect_ext "$c" "Key Usage" "Digital Signature" critical ;;
  esac
  expect_ext "$c" "Subject Alternative Name" "IP Address:FD00:0:0:0:0:0:0:"
  expect_ext "$c" "Subject Alternative Name" "email:ops@example.com"
  expect_ext "$c" "Subject Alternative Name" "URI:spiffe://example.com/$n"
done
openssl x509 -in "$o/ed-leaf/cert.pem" -noout -text | grep -q "Signature Algorithm: ED25519" \
  || fail "ed-leaf not signed with ED25519"
openssl verify -CAfile "$o/ca/edroot.pem" "$o/ed-leaf/cert.pem" >/dev/null || fail "ed-leaf does not verify"

kf "$p" plan --detailed-exitcode
expect_rc 0

# Replacing the middle CA re-issues everything below it; the plan shows it.
kf "$p" plan --replace CertificateAuthority/issuing
expect_output 'replace +CertificateAuthority/issuing'
expect_output 'replace +CertificateAuthority/team'
expect_output 'parent CertificateAuthority/issuing is replaced'
expect_output 'replace +Certificate/t-codesigning'
echo PASS
