# Secrets end to end: generate, fields and sealed values; versions and
# stages; --replace and rotation.every; KmsKey rotation, reencrypt, a
# disabled key and a tampered object; and no value in anything keyform
# wrote or printed.
source "$(dirname "$0")/lib.sh"
ex="$WORK/secrets"
mkdir -p "$ex"
cat >"$ex/keyform.yaml" <<'YAML'
kind: Project
name: secrets
spec:
  account: "111122223333"
  defaults: {kmsKey: main}
YAML
cat >"$ex/kms.yaml" <<'YAML'
kind: KmsKey
name: main
spec: {rotation: {every: 90d}}
YAML
write_secrets() {
  cat >"$ex/secrets.yaml" <<YAML
kind: Secret
name: token
spec:
  value: {generate: {length: 40, charset: hex}}
  rotation: {every: 30d}
---
kind: Secret
name: login
spec:
  value:
    fields:
      username: svc
      password: {generate: {length: 24, charset: ascii-printable, exclude: "'\"", requireEachClass: true}}
---
kind: Secret
name: api-key
spec:
  value: {sealed: "$1"}
YAML
}
kf "$ex" init >/dev/null
expect_rc 0

# Sealing: the project key is made on first use; the text reveals nothing.
plain="sk_live_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
sealed=$(printf '%s\n' "$plain" | "$KEYFORM" -C "$ex" seal 2>>"$LOG")
case "$sealed" in keyform-sealed:v1:*) ;; *) fail "seal printed no sealed value" ;; esac
echo "$sealed" | grep -qF "$plain" && fail "the sealed text contains the value"
echo "$sealed" | base64 -d 2>/dev/null | grep -aqF "$plain" && fail "the sealed text decodes to the value"
sealed2=$(printf '%s' "$plain" | "$KEYFORM" -C "$ex" seal 2>>"$LOG")
[ "$sealed" != "$sealed2" ] || fail "sealing twice gave the same text"
write_secrets "$sealed"
kf "$ex" apply --auto-approve
expect_rc 0

# Values are read with the binary directly: $LOG (everything else keyform
# printed) is scanned for them at the end.
[ "$("$KEYFORM" -C "$ex" secret get Secret/api-key)" = "$plain" ] || fail "the sealed value does not round-trip"
token1=$("$KEYFORM" -C "$ex" secret get Secret/token)
[[ "$token1" =~ ^[0-9a-f]{40}$ ]] || fail "token is not 40 hex characters"
[ "$("$KEYFORM" -C "$ex" secret get Secret/login --field username)" = svc ] || fail "--field username"
password=$("$KEYFORM" -C "$ex" secret get Secret/login --field password)
[ ${#password} -eq 24 ] || fail "password is not 24 characters"
case "$password" in *\'* | *\"*) fail "password holds an excluded character" ;; esac
kf "$ex" secret get Secret/login --field nope
expect_rc 1
expect_output 'has no field nope \(its fields: password, username\)'
kf "$ex" secret versions Secret/token
expect_output 'CURRENT'
v1=$(awk '/CURRENT/ {print $1}' "$WORK/last.out")

# A sealed value tampered with (one character changed) does not open.
tampered="${sealed:0:40}$( [ "${sealed:40:1}" = A ] && echo B || echo A )${sealed:41}"
write_secrets "$tampered"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'failed authentication|malformed'
write_secrets "$sealed"
"$KEYFORM" -C "$ex" secret get Secret/api-key >/dev/null || fail "the sealed value no longer opens"

# --replace rotates now: a new CURRENT, the old one PREVIOUS.
kf "$ex" apply --auto-approve --replace Secret/token
expect_rc 0
expect_output 'rotation requested with --replace'
kf "$ex" secret versions Secret/token
grep -q "^  $v1 .*PREVIOUS" "$WORK/last.out" || fail "the old version is not PREVIOUS"
token2=$("$KEYFORM" -C "$ex" secret get Secret/token)
[ "$token2" != "$token1" ] || fail "rotation kept the value"
[ "$("$KEYFORM" -C "$ex" secret get Secret/token --stage PREVIOUS)" = "$token1" ] || fail "PREVIOUS is not the old value"
[ "$("$KEYFORM" -C "$ex" secret get Secret/token --version "$v1")" = "$token1" ] || fail "--version"

# rotation.every: due after 30 days, with the reason.
export KEYFORM_NOW=$(days_from_now 31)
kf "$ex" plan
expect_output 'Secret/token.*|last rotated 31d ago, every 30d'
expect_output 'last rotated 31d ago, every 30d'

# KmsKey rotation: old versions keep opening; reencrypt moves them.
export KEYFORM_NOW=$(days_from_now 95)
kf "$ex" apply --auto-approve
expect_rc 0
[ "$("$KEYFORM" -C "$ex" secret get Secret/api-key)" = "$plain" ] || fail "old version does not open after KMS rotation"
under_v1='"kms":"KmsKey/main","material":"[0-9a-f]*","version":1}'
grep -rlE "$under_v1" "$ex/.keyform" >/dev/null || fail "no object under version 1 before reencrypt"
kf "$ex" kms reencrypt KmsKey/main
expect_rc 0
expect_output 'Re-encrypted [1-9][0-9]* objects'
if grep -rlE "$under_v1" "$ex/.keyform" >/dev/null; then fail "an object is still under version 1"; fi
[ "$("$KEYFORM" -C "$ex" secret get Secret/api-key)" = "$plain" ] || fail "value lost by reencrypt"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# A disabled key neither decrypts nor encrypts.
sed -i 's/spec: {rotation: {every: 90d}}/spec: {rotation: {every: 90d}, enabled: false}/' "$ex/kms.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" secret get Secret/token
expect_rc 1
expect_output 'KmsKey/main is disabled'
kf "$ex" apply --auto-approve --replace Secret/token
expect_rc 1
expect_output 'KmsKey/main is disabled'
sed -i 's/, enabled: false//' "$ex/kms.yaml"
kf "$ex" apply --auto-approve
"$KEYFORM" -C "$ex" secret get Secret/token >/dev/null || fail "re-enabled key does not open"

# A tampered object is detected.
current=$("$KEYFORM" -C "$ex" secret versions Secret/token | awk '/CURRENT/ {print $1}')
obj=$(grep -rl "\"context\":\"Secret/token#version/$current\"" "$ex/.keyform" | head -1)
[ -n "$obj" ] || fail "no object of Secret/token found"
printf 'X' | dd of="$obj" bs=1 seek=$(( $(stat -c %s "$obj") - 3 )) conv=notrunc 2>/dev/null
kf "$ex" secret get Secret/token
expect_rc 1
expect_output 'failed authentication'

kf "$ex" show
kf "$ex" show Secret/login --json
kf "$ex" plan --json
kf "$ex" drift
# No value anywhere keyform wrote or printed (but secret get's stdout).
needles="$WORK/needles"
printf '%s\n' "$plain" "$token1" "$token2" "$password" >"$needles"
for f in $(find "$ex/.keyform" -type f ! -name root.key) "$ex/secrets.yaml" "$LOG"; do
  if grep -aF -f "$needles" "$f" >/dev/null; then fail "a secret value found in $f"; fi
done
echo PASS
