# The quickstart: init, validate, plan, apply, verify every deployed file,
# and a second plan with no changes.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)

kf "$ex" validate
expect_rc 0

kf "$ex" plan
expect_rc 1
expect_output "keyform init"

kf "$ex" init
expect_rc 0
expect_output "root key"
[ -f "$ex/.keyform/.gitignore" ] || fail ".keyform/.gitignore missing"
grep -qx '\*' "$ex/.keyform/.gitignore" || fail ".gitignore should hold *"
[ "$(file_mode "$ex/.keyform/root.key")" = 400 ] || fail "root.key should be 0400"

kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output '\+ +create +KmsKey/main'
expect_output 'create +CertificateAuthority/root'
expect_output 'create +Certificate/web'
expect_output 'create +DeploymentTarget/web'
expect_output 'not in state'
expect_output 'Plan: 7 to create, 0 to delete'

kf "$ex" plan --json
expect_rc 0
expect_output '"format_version": 1'
expect_output '"action": "create"'

kf "$ex" apply --auto-approve --parallelism 2
expect_rc 0
expect_output 'Certificate/web: creating'
expect_output 'Certificate/web: created'
expect_output 'Apply complete'

out="$ex/out"
for cert in "$out/web/cert.pem" "$out/api-client/cert.pem"; do
  openssl verify -CAfile "$out/ca.pem" "$cert" >/dev/null || fail "openssl verify failed for $cert"
done
openssl verify -CAfile "$out/ca.pem" "$out/web/fullchain.pem" >/dev/null || fail "fullchain does not verify"

# Each private key matches its certificate.
for d in web api-client; do
  a=$(openssl x509 -in "$out/$d/cert.pem" -noout -pubkey | openssl sha256)
  b=$(openssl pkey -in "$out/$d/key.pem" -pubout | openssl sha256)
  [ "$a" = "$b" ] || fail "$d: key does not match certificate"
done

# Server certificate: SANs and serverAuth; client certificate: clientAuth.
openssl x509 -in "$out/web/cert.pem" -noout -text >"$WORK/web.txt"
grep -q "DNS:web.internal.example" "$WORK/web.txt" || fail "web: SAN missing"
grep -q "IP Address:127.0.0.1" "$WORK/web.txt" || fail "web: IP SAN missing"
grep -q "TLS Web Server Authentication" "$WORK/web.txt" || fail "web: serverAuth missing"
grep -q "CA:FALSE" "$WORK/web.txt" || fail "web: CA:FALSE missing"
openssl x509 -in "$out/api-client/cert.pem" -noout -text | grep -q "TLS Web Client Authentication" \
  || fail "api-client: clientAuth missing"

# Modes: keys 0600 by default, certificates as configured, new dirs 0700.
[ "$(file_mode "$out/web/key.pem")" = 600 ] || fail "web key.pem should be 0600"
[ "$(file_mode "$out/api-client/key.pem")" = 600 ] || fail "api-client key.pem should be 0600"
[ "$(file_mode "$out/web/cert.pem")" = 644 ] || fail "cert.pem should be 0644"
[ "$(file_mode "$out/web")" = 700 ] || fail "created directories should be 0700"

kf "$ex" plan --detailed-exitcode
expect_rc 0
expect_output 'No changes'

kf "$ex" state list
expect_rc 0
expect_output '^Certificate/web$'

kf "$ex" show Certificate/web
expect_rc 0
expect_output 'fingerprint_sha256'

kf "$ex" show --json
expect_rc 0
expect_output '"lineage"'
echo "PASS"
