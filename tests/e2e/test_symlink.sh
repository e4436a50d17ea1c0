# Deployed files are never written through a symbolic link.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
kf "$ex" init
mkdir -p "$ex/out/web" "$WORK/elsewhere"
ln -s "$WORK/elsewhere/stolen.pem" "$ex/out/web/key.pem"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'symbolic link'
expect_output 'DeploymentTarget/web: (create|deploy) failed'
[ ! -e "$WORK/elsewhere/stolen.pem" ] || fail "the key was written through the link"
# Independent work succeeded and was recorded.
kf "$ex" state list
expect_output '^Certificate/web$'
expect_output '^DeploymentTarget/api-client$'

# A linked directory is refused too; the web target, fixed, deploys.
rm "$ex/out/web/key.pem"
rm -rf "$ex/out/api-client"
ln -s "$WORK/elsewhere" "$ex/out/api-client"
kf "$ex" apply --auto-approve --replace DeploymentTarget/api-client
expect_rc 1
expect_output 'refusing to follow symbolic link .*out/api-client'
expect_output 'DeploymentTarget/web: created'
[ -f "$ex/out/web/key.pem" ] || fail "web key not deployed once the link was gone"
[ -z "$(ls -A "$WORK/elsewhere")" ] || fail "something was written through the linked directory"
echo PASS
