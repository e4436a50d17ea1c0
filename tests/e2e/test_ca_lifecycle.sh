# CA lifecycle: a disabled CA issues nothing (plan error with file:line:col,
# nothing changed) but still revokes; a removed CA waits out its deletion
# window (PENDING_DELETION, restorable by putting it back), then is deleted;
# a CA with live certificates cannot be deleted; bad input is refused.
source "$(dirname "$0")/pki_lib.sh"
export KEYFORM_ROOT_KEY=$(openssl rand -base64 32)
ex=$(new_project lifecycle)
write_ca() {  # write_ca EXTRA_SPEC_LINE
  cat >"$ex/ca.yaml" <<YAML
kind: CertificateAuthority
name: team
spec:
  type: root
  subject: {commonName: Team CA}
  deletionWindow: 7d
  crl: {enabled: true}
$1
YAML
}
write_cert() {  # write_cert COMMON_NAME
  printf 'kind: Certificate\nname: app\nspec:\n  issuer: team\n  commonName: %s\n' "$1" >"$ex/cert.yaml"
}
write_ca ""
write_cert app.example.test
init_and_apply "$ex"
ca_fp=$(attr "$ex" CertificateAuthority/team .fingerprint_sha256)

# Disabled: issuing is a plan error naming the certificate's file:line:col.
write_ca "  enabled: false"
kf "$ex" plan --detailed-exitcode
expect_rc 2
kf "$ex" apply --auto-approve >/dev/null
expect_rc 0
[ "$(attr "$ex" CertificateAuthority/team .enabled)" = false ] || fail "enabled: false not recorded"
write_cert app2.example.test
serial=$(state_serial "$ex")
kf "$ex" plan
expect_rc 1
expect_output 'cert.yaml:1:1: Certificate/app needs a certificate \(replace\) but its issuer CertificateAuthority/team has enabled: false \(ca.yaml:1:1\)'
kf "$ex" apply --auto-approve
expect_rc 1
[ "$(state_serial "$ex")" = "$serial" ] || fail "a refused apply changed the state"

# ...but still revokes: deleting its certificate revokes it.
rm "$ex/cert.yaml"
app_serial=$(attr "$ex" Certificate/app .serial)
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'CertificateAuthority/team: revoked'
attr "$ex" CertificateAuthority/team .crl.pem >"$WORK/crl.pem"
crl_serials "$WORK/crl.pem" | grep -qi "^$app_serial$" || fail "disabled CA did not revoke"

# A CA with a live certificate in the state cannot be deleted.
write_ca ""
write_cert app.example.test
kf "$ex" apply --auto-approve >/dev/null
expect_rc 0
rm "$ex/ca.yaml" "$ex/cert.yaml"
serial=$(state_serial "$ex")
kf "$ex" plan --target CertificateAuthority/team
expect_rc 1
expect_output 'CertificateAuthority/team cannot be deleted: it still has live certificates \(Certificate/app\)'
# ...nor one that a certificate in the configuration names.
write_cert app.example.test
kf "$ex" plan
expect_rc 1
expect_output 'cert.yaml:4:11: .*team'
rm "$ex/cert.yaml"
[ "$(state_serial "$ex")" = "$serial" ] || fail "a refused plan changed the state"

# Removing both: the certificate goes, the CA waits out its window.
kf "$ex" plan
expect_rc 0
expect_output 'update +CertificateAuthority/team'
expect_output 'PENDING_DELETION until .*\(deletionWindow 7d\)'
kf "$ex" apply --auto-approve >/dev/null
expect_rc 0
[ "$(attr "$ex" CertificateAuthority/team .status)" = PENDING_DELETION ] || fail "CA is not PENDING_DELETION"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# Put back within the window: restored with the same key and certificate.
write_ca ""
kf "$ex" plan
expect_output 'restored from PENDING_DELETION'
kf "$ex" apply --auto-approve >/dev/null
expect_rc 0
[ "$(attr "$ex" CertificateAuthority/team .status)" = ACTIVE ] || fail "restored CA is not ACTIVE again"
[ "$(attr "$ex" CertificateAuthority/team .fingerprint_sha256)" = "$ca_fp" ] || fail "restore changed the CA"

# Removed again and left past its window: deleted.
rm "$ex/ca.yaml"
kf "$ex" apply --auto-approve >/dev/null
kf "$ex" plan --at "$(days_from_now 6)" --detailed-exitcode
expect_rc 0
kf "$ex" plan --at "$(days_from_now 8)"
expect_output 'delete +CertificateAuthority/team'
expect_output 'deletion window ended'
KEYFORM_NOW=$(days_from_now 8) kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" state list
no_output 'CertificateAuthority/team'

# Bad input: each refused with file:line:col, nothing changed.
serial=$(state_serial "$ex")
bad() {  # bad PATTERN: the config in $ex/bad.yaml is refused with PATTERN
  kf "$ex" plan
  expect_rc 1
  expect_output "$1"
  rm "$ex/bad.yaml"
  [ "$(state_serial "$ex")" = "$serial" ] || fail "bad input changed the state"
}
printf 'kind: CertificateAuthority\nname: b\nspec:\n  type: root\n  subject: {commonName: B}\n  deletionWindow: 3d\n' >"$ex/bad.yaml"
bad 'bad.yaml:6:[0-9]+: .*deletionWindow must be between 7d and 30d'
printf 'kind: CertificateAuthority\nname: b\nspec:\n  type: root\n  subject: {commonName: B}\n  crl: {enabled: true, distributionPoint: "not a uri"}\n' >"$ex/bad.yaml"
bad 'bad.yaml:6:[0-9]+: .*distributionPoint'
printf 'kind: CertificateAuthority\nname: b\nspec:\n  type: root\n  subject: {commonName: B}\n  crl: {enabled: true, validity: 1h}\n' >"$ex/bad.yaml"
bad 'bad.yaml:6:[0-9]+: .*crl.validity'
printf 'kind: TrustBundle\nname: t\nspec:\n  authorities: [nope]\n' >"$ex/bad.yaml"
bad 'bad.yaml:4:[0-9]+: .*nope'
printf 'kind: TrustBundle\nname: t\nspec:\n  authorities: []\n' >"$ex/bad.yaml"
bad 'bad.yaml:4:[0-9]+: '
echo PASS
