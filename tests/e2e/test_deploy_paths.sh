# Deployed paths: absolute paths work; a changed path removes the old file; a
# renamed target keeps its files; paths into the state or shared by two
# targets are refused before anything runs.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
abs="$WORK/abs/tls"
sed -i "s#path: out/ca.pem#path: $abs/ca.pem#" "$ex/deploy.yaml"
init_and_apply "$ex"
[ -f "$abs/ca.pem" ] || fail "absolute path not deployed"
[ "$(file_mode "$abs")" = 700 ] || fail "created directory should be 0700"

# A changed path: the new file appears, the old one goes.
sed -i 's#path: out/web/cert.pem#path: out/web/server.crt#' "$ex/deploy.yaml"
kf "$ex" plan
expect_output 'deploy +DeploymentTarget/web'
expect_output 'spec.files changed'
kf "$ex" apply --auto-approve
expect_rc 0
[ -f "$ex/out/web/server.crt" ] || fail "new path not written"
[ ! -e "$ex/out/web/cert.pem" ] || fail "old path left behind"

# A renamed target: created under its new name, the old one deleted, and
# the files -- the same paths -- still there afterwards.
sed -i 's/^name: web$/name: web-renamed/' "$ex/deploy.yaml"
kf "$ex" apply --auto-approve --parallelism 1
expect_rc 0
expect_output 'DeploymentTarget/web-renamed: created'
expect_output 'DeploymentTarget/web: deleted'
for f in server.crt fullchain.pem key.pem; do
  [ -f "$ex/out/web/$f" ] || fail "renaming the target removed out/web/$f"
done
kf "$ex" plan --detailed-exitcode
expect_rc 0

before=$(find "$ex/.keyform" -type f -exec sha256sum {} + | sort)
# Into the state directory: refused at validation.
sed -i "s#path: $abs/ca.pem#path: .keyform/journal#" "$ex/deploy.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'deploy.yaml:[0-9]+:[0-9]+'
expect_output 'inside the state directory'
sed -i "s#path: .keyform/journal#path: $abs/ca.pem#" "$ex/deploy.yaml"

# Two targets writing one file: refused, naming the other.
sed -i "s#path: $abs/ca.pem#path: out/web/server.crt#" "$ex/deploy.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'is also written by DeploymentTarget/web-renamed'
after=$(find "$ex/.keyform" -type f -exec sha256sum {} + | sort)
[ "$before" = "$after" ] || fail "a refused config changed the state"
echo PASS
