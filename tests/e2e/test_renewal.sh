# KEYFORM_NOW past renewBefore plans `renew` with its reason; apply re-issues
# with a new serial and redeploys; `plan --at` previews the same.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"
old_serial=$(serial_of "$ex/out/web/cert.pem")

# web: 90d lifetime, renewBefore 30d -> due after 60d. api-client: 30d, 25% -> due after 22.5d.
kf "$ex" plan --at "$(days_from_now 10)" --detailed-exitcode
expect_rc 0

kf "$ex" plan --at "$(days_from_now 65)" --detailed-exitcode
expect_rc 2
expect_output '~ +renew +Certificate/web'
expect_output 'expires in (24|25)d'
expect_output 'renewBefore 30d'
expect_output 'deploy +DeploymentTarget/web'
expect_output 'source Certificate/web renews'

export KEYFORM_NOW=$(days_from_now 65)
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Certificate/web: renewed'
new_serial=$(serial_of "$ex/out/web/cert.pem")
[ "$old_serial" != "$new_serial" ] || fail "renewal kept the serial $old_serial"
openssl verify -attime "$(date -u -d "+65 days" +%s)" -CAfile "$ex/out/ca.pem" "$ex/out/web/cert.pem" >/dev/null \
  || fail "renewed certificate does not verify"
a=$(openssl x509 -in "$ex/out/web/cert.pem" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$ex/out/web/key.pem" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "renewed key does not match the certificate"

kf "$ex" plan --detailed-exitcode
expect_rc 0

# --replace forces re-issue now.
kf "$ex" plan --replace Certificate/api-client --detailed-exitcode
expect_rc 2
expect_output 'replace +Certificate/api-client'
expect_output 'deploy +DeploymentTarget/api-client'
echo PASS
