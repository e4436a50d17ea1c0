# keyform metrics: promtool accepts the output; the series say what the
# state says (notAfter, renewal due, serial agreement, last actions); a
# certificate ten days before expiry raises the 14-day alert of the shipped
# rules in `promtool test rules`, fed the real output; --output replaces a
# file atomically; --tag labels by tags, a bad tag name is refused; a broken
# configuration still gives the state's series, with a warning.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is missing (scripts/setup.sh installs prometheus)"
ex=$(use_example quickstart)
init_and_apply "$ex"

kf "$ex" metrics
expect_rc 0
cp "$WORK/last.out" "$WORK/metrics.prom"
promtool check metrics <"$WORK/metrics.prom" || fail "promtool check metrics rejects the output"
# value NAME LABEL-MATCH: the value of the one series of NAME whose labels match.
value() {
  local lines
  lines=$(grep -E "^$1\{[^}]*$2[^}]*\} " "$WORK/metrics.prom" || true)
  [ "$(printf '%s\n' "$lines" | grep -c .)" -eq 1 ] || fail "not one series $1 with $2: $lines"
  printf '%s\n' "$lines" | awk '{print $NF}'
}
not_after=$(date -d "$(openssl x509 -in "$ex/out/web/cert.pem" -noout -enddate | cut -d= -f2)" +%s)
[ "$(value keyform_certificate_not_after_timestamp_seconds 'address="Certificate/web"')" = "$not_after" ] ||
  fail "notAfter of Certificate/web is not the deployed certificate's"
not_before=$(value keyform_certificate_not_before_timestamp_seconds 'address="Certificate/web"')
# renewBefore 30d
[ "$(value keyform_certificate_renewal_due_timestamp_seconds 'address="Certificate/web"')" = $((not_after - 30 * 86400)) ] ||
  fail "the renewal of Certificate/web is not due 30 days before notAfter"
grep -q '^keyform_certificate_not_after_timestamp_seconds{address="CertificateAuthority/root",kind="CertificateAuthority",issuer=""} ' \
  "$WORK/metrics.prom" || fail "no notAfter for the root CA"
[ "$(value keyform_deployment_serial_current 'address="DeploymentTarget/web",host="apply"')" = 1 ] ||
  fail "DeploymentTarget/web does not serve the current serial"
[ "$(value keyform_last_action_success 'address="Certificate/web",action="create"')" = 1 ] ||
  fail "the create of Certificate/web is not recorded as a success"
grep -q "^keyform_failing_resources 0$" "$WORK/metrics.prom" || fail "resources counted as failing"
grep -q 'PRIVATE KEY\|BEGIN CERTIFICATE' "$WORK/metrics.prom" && fail "the metrics hold PEM material"

# Ten days before Certificate/web expires (no apply: nothing renewed it),
# the real output raises KeyformCertificateExpiresIn14Days. promtool's
# clock starts at 0, so each value goes in relative to the time keyform
# took as now.
now=$((not_after - 10 * 86400))
KEYFORM_NOW=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ) kf "$ex" metrics
expect_rc 0
[ "$(awk '/^keyform_metrics_timestamp_seconds /{print $2}' "$WORK/last.out")" = "$now" ] ||
  fail "the metrics are not stamped with KEYFORM_NOW"
series=$(grep '^keyform_certificate_not_after_timestamp_seconds{address="Certificate/web"' "$WORK/last.out")
cp "$KEYFORM_SOURCE_DIR/examples/monitoring/keyform.rules.yaml" "$WORK/"
cat >"$WORK/expiry.test.yaml" <<YAML
rule_files: [keyform.rules.yaml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: '${series% *}'
        values: '$((${series##* } - now))x60'
    alert_rule_test:
      - eval_time: 20m
        alertname: KeyformCertificateExpiresIn14Days
        exp_alerts:
          - exp_labels: {severity: warning, address: Certificate/web, kind: Certificate, issuer: CertificateAuthority/root}
            exp_annotations:
              summary: Certificate/web expires within 14 days
              description: >-
                Certificate/web (issuer CertificateAuthority/root) expires within 14 days.
                Check that \`keyform apply\` runs and that its renewal did not fail.
      - eval_time: 20m
        alertname: KeyformCertificateExpiresIn7Days
        exp_alerts: []
YAML
(cd "$WORK" && promtool test rules expiry.test.yaml) || fail "the 14-day alert did not fire on the real output"
# The shipped rules' own tests pass too.
(cd "$KEYFORM_SOURCE_DIR/examples/monitoring" && promtool check rules keyform.rules.yaml >/dev/null &&
  promtool test rules keyform.rules.test.yaml) || fail "the shipped rules or their tests fail"

# --output: the file is replaced whole, 0644, the same text.
mkdir "$WORK/textfile"
echo stale >"$WORK/textfile/keyform.prom"
kf "$ex" metrics --output "$WORK/textfile/keyform.prom"
expect_rc 0
[ "$(file_mode "$WORK/textfile/keyform.prom")" = 644 ] || fail "the metrics file is not 0644"
grep -q stale "$WORK/textfile/keyform.prom" && fail "the metrics file was not replaced"
promtool check metrics <"$WORK/textfile/keyform.prom" || fail "promtool rejects the --output file"
[ "$(ls -A "$WORK/textfile")" = keyform.prom ] || fail "a temp file was left beside the metrics: $(ls -A "$WORK/textfile")"

# --tag owner: the root CA's tag becomes a label; a bad name is refused.
kf "$ex" metrics --tag owner
expect_rc 0
expect_output '^keyform_certificate_not_after_timestamp_seconds\{address="CertificateAuthority/root",kind="CertificateAuthority",issuer="",owner="team-platform"\} '
expect_output '^keyform_certificate_not_after_timestamp_seconds\{address="Certificate/web",kind="Certificate",issuer="CertificateAuthority/root",owner=""\} '
kf "$ex" metrics --tag 9lives
expect_rc 1
expect_output 'not a Prometheus label name'
kf "$ex" metrics --tag address
expect_rc 1
expect_output 'keyform uses that label itself'

# A failed deploy counts: the last action on the target fails.
sed -i 's|{path: out/web/key.pem, content: privateKey}|{path: out/web/key.pem, content: privateKey}\n  reload: {command: ["false"]}|' "$ex/deploy.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
kf "$ex" metrics
expect_rc 0
grep -q '^keyform_last_action_success{address="DeploymentTarget/web",action="deploy"} 0$' "$WORK/last.out" ||
  fail "the failed deploy is not a failed last action"
grep -q '^keyform_failing_resources 1$' "$WORK/last.out" || fail "the failing resource is not counted"

# A configuration that does not load: a warning, and the state's series.
echo 'kind: Certificate' >"$ex/broken.yaml"
kf "$ex" metrics
expect_rc 0
expect_output 'warning: the configuration does not load'
grep -q '^keyform_certificate_not_after_timestamp_seconds{address="Certificate/web"' "$WORK/last.out" ||
  fail "no notAfter without the configuration"
grep -q '^keyform_certificate_renewal_due_timestamp_seconds{address="Certificate/web"' "$WORK/last.out" &&
  fail "a renewal time without the configuration's renewBefore"
echo PASS
