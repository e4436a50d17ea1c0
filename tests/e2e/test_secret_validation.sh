# Bad Secret input: exit 1, file:line:col, what was expected, nothing changed.
source "$(dirname "$0")/lib.sh"
ex="$WORK/bad"
mkdir -p "$ex"
printf 'kind: Project\nname: bad\nspec: {account: "111122223333"}\n' >"$ex/keyform.yaml"
kf "$ex" init >/dev/null
cat >"$ex/s.yaml" <<'YAML'
kind: Secret
name: both
spec:
  value: {generate: {length: 20}, sealed: "keyform-sealed:v1:AAAA"}
  recoveryWindow: 3d
---
kind: Secret
name: pg
spec:
  value: {fields: {username: app, password: literal}}
  rotation: {strategy: postgres-single-user, postgres: {connection: {env: DB}, role: app}}
---
kind: Secret
name: every
spec:
  value: {sealed: "keyform-sealed:v1:AAAA"}
  rotation: {every: 30d, strategy: regenrate}
YAML
kf "$ex" validate
expect_rc 1
expect_output 's.yaml:[0-9]+:[0-9]+: .*exactly one of generate, fields, certificate or sealed'
expect_output 's.yaml:[0-9]+:[0-9]+: .*recoveryWindow must be between 7d and 30d'
expect_output 's.yaml:[0-9]+:[0-9]+: .*needs a generated password'
expect_output 's.yaml:[0-9]+:[0-9]+: .*regenrate'
kf "$ex" apply --auto-approve
expect_rc 1
kf "$ex" state list
no_output 'Secret/'
echo PASS
