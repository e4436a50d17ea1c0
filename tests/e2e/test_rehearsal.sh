# A KEYFORM_NOW rehearsal on a copy of a project refuses to write outside
# its directory (an absolute path still names the real files), and changes
# nothing; allowed with KEYFORM_NOW_WRITE_OUTSIDE=1, the certificates it
# issued are not valid yet on the real clock: plan renews them and drift
# reports them, with the reason, and one apply converges.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
real="$WORK/real"
sed -i "s|path: out/web/|path: $real/web/|g" "$ex/deploy.yaml"
init_and_apply "$ex"
[ -f "$real/web/cert.pem" ] || fail "the absolute path was not deployed"
cp "$real/web/cert.pem" "$WORK/cert-before.pem"
before=$(state_fingerprint "$ex")

later=$(days_from_now 365)
KEYFORM_NOW=$later kf "$ex" apply --auto-approve
expect_rc 1
expect_output "KEYFORM_NOW is set, and DeploymentTarget/web would write $real/web/"
expect_output 'outside the configuration directory'
cmp -s "$real/web/cert.pem" "$WORK/cert-before.pem" || fail "the rehearsal replaced the real certificate"
[ "$(state_fingerprint "$ex")" = "$before" ] || fail "the refused rehearsal changed the state"

# Allowed anyway: the real clock then sees certificates from next year.
KEYFORM_NOW=$later KEYFORM_NOW_WRITE_OUTSIDE=1 kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output 'Certificate/web'
expect_output 'not valid until .*issued under a later KEYFORM_NOW'
kf "$ex" drift
expect_rc 2
expect_output 'not valid until'
kf "$ex" apply --auto-approve
expect_rc 0
now=$(date +%s)
nb=$(date -d "$(openssl x509 -in "$real/web/cert.pem" -noout -startdate | cut -d= -f2)" +%s)
[ "$nb" -le $((now + 300)) ] || fail "the deployed certificate is still not valid yet"
kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
