# A CA replaced in an earlier run (here with --target) still re-issues what
# it signed at the next apply, and the chain deployed follows a renewed CA.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"

sed -i 's/keyAlgorithm: EC_secp384r1/keyAlgorithm: EC_prime256v1/' "$ex/ca.yaml"
kf "$ex" apply --auto-approve --target CertificateAuthority/root
expect_rc 0
expect_output 'CertificateAuthority/root: replaced'
no_output 'Certificate/web: '

kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output 'replace +Certificate/web'
expect_output 'issuer CertificateAuthority/root was replaced since this certificate was issued'
kf "$ex" apply --auto-approve
expect_rc 0
openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/cert.pem" "$ex/out/api-client/cert.pem" >/dev/null \
  || fail "certificates do not chain to the replaced CA"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# A CA renewal keeps its key: certificates stay, fullchain carries the new CA certificate.
old_ca=$(openssl x509 -in "$ex/out/ca.pem" -noout -fingerprint)
sed -i 's/validity: 10y/validity: 9y/' "$ex/ca.yaml"
kf "$ex" apply --auto-approve --target CertificateAuthority/root
expect_output 'CertificateAuthority/root: renewed'
kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output 'deploy +DeploymentTarget/web'
expect_output 'the chain changed since the last deployment'
no_output 'Certificate/web$'
kf "$ex" apply --auto-approve
expect_rc 0
new_ca=$(openssl x509 -in "$ex/out/ca.pem" -noout -fingerprint)
[ "$old_ca" != "$new_ca" ] || fail "trust target did not get the renewed CA certificate"
tail -n +2 "$ex/out/web/fullchain.pem" | grep -q -- "-----BEGIN CERTIFICATE-----" || fail "fullchain has no chain"
awk '/BEGIN/{n++} n==2' "$ex/out/web/fullchain.pem" | openssl x509 -noout -fingerprint | grep -qF "$new_ca" \
  || fail "fullchain does not carry the renewed CA certificate"
openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/cert.pem" >/dev/null || fail "web no longer verifies"
echo PASS
