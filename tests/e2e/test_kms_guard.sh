# Removing a KmsKey that still seals the keys of resources that stay is
# refused with what to do; nothing is destroyed.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"

sed -i 's/^name: main/name: other/' "$ex/kms.yaml"
sed -i 's/kmsKey: main /kmsKey: other/' "$ex/keyform.yaml"
kf "$ex" plan
expect_rc 1
expect_output 'KmsKey/main is no longer in the configuration, but .*Certificate/web.* made with it'
expect_output 'keyform apply --replace'
kf "$ex" apply --auto-approve
expect_rc 1
kf "$ex" state list
expect_output '^KmsKey/main$'

# An update that keeps the CA's key (a tag change) keeps it sealed under
# KmsKey/main, so the guard still holds.
sed -i 's/owner: team-platform/owner: team-security/' "$ex/ca.yaml"
kf "$ex" apply --auto-approve --target CertificateAuthority/root --target KmsKey/other
expect_rc 0
expect_output 'CertificateAuthority/root: updated'
kf "$ex" plan
expect_rc 1
expect_output 'CertificateAuthority/root \(still managed\) were made with it'

# Replacing everything sealed under it lets it go.
kf "$ex" apply --auto-approve --replace CertificateAuthority/root
expect_rc 0
expect_output 'KmsKey/main: deleted'
openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/cert.pem" >/dev/null || fail "web does not verify"
kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
