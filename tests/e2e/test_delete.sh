# Removing a resource from the config plans `delete`; apply removes its
# deployed files; deletionProtection makes such a plan fail.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"

# Drop the api-client certificate and its target (second document of each file).
awk 'BEGIN{RS="---\n"; ORS=""} NR==1{print}' "$ex/certificates.yaml" >"$WORK/c.yaml" && mv "$WORK/c.yaml" "$ex/certificates.yaml"
awk 'BEGIN{RS="---\n"; ORS="---\n"} NR!=2{print}' "$ex/deploy.yaml" | sed '$ d' >"$WORK/d.yaml" && mv "$WORK/d.yaml" "$ex/deploy.yaml"
kf "$ex" validate
expect_rc 0

kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output '- +delete +Certificate/api-client'
expect_output '- +delete +DeploymentTarget/api-client'
expect_output 'not in the configuration'
expect_output 'Plan: 0 to create, 1 to revoke, 2 to delete'
expect_output 'revoke +CertificateAuthority/root'

kf "$ex" apply --auto-approve
expect_rc 0
[ ! -e "$ex/out/api-client/key.pem" ] || fail "deleted target left its key file"
kf "$ex" state list
no_output 'api-client'
kf "$ex" plan --detailed-exitcode
expect_rc 0

# deletionProtection: protect web, apply, then remove it -> plan fails.
sed -i 's/^name: web$/name: web\ndeletionProtection: true/' "$ex/certificates.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'update +Certificate/web'
printf '# no certificates any more\n' >"$ex/certificates.yaml"
awk 'BEGIN{RS="---\n"; ORS=""} /name: trust/{print}' "$ex/deploy.yaml" >"$WORK/d.yaml" && mv "$WORK/d.yaml" "$ex/deploy.yaml"
kf "$ex" plan
expect_rc 1
expect_output 'Certificate/web has deletionProtection: true'
kf "$ex" apply --auto-approve
expect_rc 1
[ -f "$ex/out/web/cert.pem" ] || fail "a refused plan changed the world"
echo PASS
