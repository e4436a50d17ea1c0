# Bad input: exit 1, file:line:col with what was expected, and nothing changed.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"
snapshot() { find "$ex/.keyform" "$ex/out" -type f -exec sha256sum {} + | sort; }
before=$(snapshot)

# A misspelt field, with the nearest valid name.
cp "$ex/certificates.yaml" "$WORK/certs.bak"
sed -i 's/^  dnsNames:/  dnsName:/' "$ex/certificates.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'certificates.yaml:[0-9]+:[0-9]+'
expect_output 'dnsName'
expect_output 'did you mean "dnsNames"'
kf "$ex" plan
expect_rc 1
cp "$WORK/certs.bak" "$ex/certificates.yaml"

# A dangling reference, with a suggestion.
sed -i 's/^  issuer: root$/  issuer: rot/' "$ex/certificates.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'certificates.yaml:[0-9]+:[0-9]+'
expect_output 'did you mean "root"'
cp "$WORK/certs.bak" "$ex/certificates.yaml"

# A bad duration.
sed -i 's/validity: 90d/validity: ninety-days/' "$ex/certificates.yaml"
kf "$ex" plan
expect_rc 1
expect_output 'duration'
cp "$WORK/certs.bak" "$ex/certificates.yaml"

# Broken YAML.
printf 'kind: Certificate\nname: [unclosed\n' >"$ex/broken.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'broken.yaml:[0-9]+:[0-9]+'
rm "$ex/broken.yaml"

# A duplicate name across files names both places.
awk 'BEGIN{RS="---\n"; ORS=""} NR==1{print}' "$ex/certificates.yaml" >"$ex/dup.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'duplicate'
expect_output 'certificates.yaml:[0-9]+'
expect_output 'dup.yaml:[0-9]+'
rm "$ex/dup.yaml"

# A cycle through dependsOn prints the cycle.
cat >>"$ex/kms.yaml" <<'YAML'
dependsOn: [DeploymentTarget/trust]
YAML
kf "$ex" validate
expect_rc 1
expect_output 'cycle'
expect_output 'KmsKey/main'

after=$(snapshot)
[ "$before" = "$after" ] || fail "bad input changed the state or the deployed files"
echo PASS
