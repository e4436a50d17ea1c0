# A Secret removed from the config is unreadable but restorable within its
# recoveryWindow, and purged after it; a KmsKey waits out its
# deletionWindow in PENDING_DELETION and is refused while a Secret uses it.
source "$(dirname "$0")/lib.sh"
ex="$WORK/win"
mkdir -p "$ex"
cat >"$ex/keyform.yaml" <<'YAML'
kind: Project
name: win
spec: {account: "111122223333"}
YAML
cat >"$ex/kms.yaml" <<'YAML'
kind: KmsKey
name: vault
spec: {deletionWindow: 7d}
YAML
cat >"$ex/secret.yaml" <<'YAML'
kind: Secret
name: s
spec:
  kmsKey: vault
  value: {generate: {length: 20}}
  recoveryWindow: 7d
YAML
init_and_apply "$ex"
value=$("$KEYFORM" -C "$ex" secret get Secret/s)

# The key is refused while the Secret (whose versions it seals) stays.
mv "$ex/kms.yaml" "$WORK/kms.yaml"
sed -i '/kmsKey: vault/d' "$ex/secret.yaml"
kf "$ex" plan
expect_rc 1
expect_output 'KmsKey/vault is no longer in the configuration, but Secret/s'
mv "$WORK/kms.yaml" "$ex/kms.yaml"
sed -i 's/^spec:$/spec:\n  kmsKey: vault/' "$ex/secret.yaml"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# Removed: pending deletion, unreadable; back in the config: restored.
mv "$ex/secret.yaml" "$WORK/secret.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'pending deletion until .*recoveryWindow 7d'
kf "$ex" secret get Secret/s
expect_rc 1
expect_output 'scheduled for deletion'
kf "$ex" plan --detailed-exitcode
expect_rc 0
mv "$WORK/secret.yaml" "$ex/secret.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'restored'
[ "$("$KEYFORM" -C "$ex" secret get Secret/s)" = "$value" ] || fail "the restored value differs"

# Removed again and the window passes: purged.
mv "$ex/secret.yaml" "$WORK/secret.yaml"
kf "$ex" apply --auto-approve
export KEYFORM_NOW=$(days_from_now 8)
kf "$ex" plan
expect_output 'recoveryWindow ended'
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" state list
no_output 'Secret/s'

# The KmsKey now has no user: PENDING_DELETION, then purged after 7d.
mv "$ex/kms.yaml" "$WORK/kms.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" show KmsKey/vault
expect_output 'key_state: PENDING_DELETION'
export KEYFORM_NOW=$(days_from_now 16)
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" state list
no_output 'KmsKey/vault'
echo PASS
