# A Secret bundling a Certificate: CERTIFICATE_PEM, PRIVATE_KEY_PEM,
# CERTIFICATE_CHAIN_PEM and CERTIFICATE_SERIAL match what was issued, and a
# renewal gives the Secret a new version in the same apply. Restored within
# its recovery window after the certificate was re-issued, one apply brings
# the Secret up to the new certificate; --replace of the Secret says that it
# bundles the same certificate.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
cat >"$ex/web-tls.yaml" <<'YAML'
kind: Secret
name: web-tls
spec:
  value: {certificate: web}
YAML
init_and_apply "$ex"
get() { "$KEYFORM" -C "$ex" secret get Secret/web-tls --field "$1"; }
serial=$(serial_of "$ex/out/web/cert.pem")
[ "$(get CERTIFICATE_SERIAL | tr a-f A-F)" = "$serial" ] || fail "CERTIFICATE_SERIAL is not the deployed serial"
get CERTIFICATE_PEM >"$WORK/cert.pem"
cmp -s "$WORK/cert.pem" "$ex/out/web/cert.pem" || fail "CERTIFICATE_PEM differs from the deployed certificate"
a=$(get PRIVATE_KEY_PEM | openssl pkey -pubout | openssl sha256)
b=$(openssl x509 -in "$ex/out/web/cert.pem" -noout -pubkey | openssl sha256)
[ "$a" = "$b" ] || fail "PRIVATE_KEY_PEM does not match the certificate"
get CERTIFICATE_CHAIN_PEM >"$WORK/chain.pem"
openssl verify -CAfile "$WORK/chain.pem" "$WORK/cert.pem" >/dev/null || fail "the chain does not verify the certificate"

export KEYFORM_NOW=$(days_from_now 70)
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
renewed=$(serial_of "$ex/out/web/cert.pem")
[ "$renewed" != "$serial" ] || fail "web was not renewed"
[ "$(get CERTIFICATE_SERIAL | tr a-f A-F)" = "$renewed" ] || fail "the Secret did not follow the renewal"
kf "$ex" plan --detailed-exitcode
expect_rc 0

kf "$ex" plan --replace Secret/web-tls
expect_output 'rotation requested with --replace: a new version bundling the same Certificate/web \(to re-issue it: --replace Certificate/web\)'

mv "$ex/web-tls.yaml" "$WORK/web-tls.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" apply --auto-approve --replace Certificate/web
expect_rc 0
reissued=$(serial_of "$ex/out/web/cert.pem")
[ "$reissued" != "$renewed" ] || fail "--replace did not re-issue web"
mv "$WORK/web-tls.yaml" "$ex/web-tls.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
[ "$(get CERTIFICATE_SERIAL | tr a-f A-F)" = "$reissued" ] ||
  fail "the restored Secret bundles the certificate of before its removal"
kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
