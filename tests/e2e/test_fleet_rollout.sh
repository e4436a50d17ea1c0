# Rollout limits (docs/fleet.md, "Rollouts"): with maxConcurrency 1, a
# second host waits while the first holds its place, and deploys once the
# first reported; with maxErrors 0, a host's failed deployment of a renewal
# halts the rollout for the others, which keep their files untouched, and
# show names the failure; mending the failed host resumes it. Bad limits
# fail validate with the file and line; targets of other hosts may share
# relative paths.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
fleet_example
B=account:444455556666/role:apache

# The reload fails on a host whose --dir holds a file named "broken".
sed -i 's|command: \[sh, -c, "date >> reloads.log"\]|command: [sh, -c, "test ! -e broken"]|' \
  "$ex/deploy.yaml"
cat >>"$ex/deploy.yaml" <<'EOF'
  rollout:
    maxConcurrency: 1
    maxErrors: 0
EOF
kf "$ex" validate
expect_rc 0

start_serve "$ex"
for h in web-b1 web-b2; do
  agent enroll --server "$url" --token "$(token "$B" "$h")" --server-ca "$WORK/root.pem" \
    --dir "$WORK/$h"
  expect_rc 0
done

# web-b1 pulls and has not reported: it holds the one place.
id="$WORK/web-b1/identity"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$WORK/root.pem" --cert "$id/agent.crt" \
  --key "$id/agent.key" "$url/v1/targets/web-tls")
[ "$code" = 200 ] || fail "web-b1's pull answered $code"
kf "$ex" show DeploymentTarget/web-tls
expect_output 'deploying .*its place in the rollout is held until'
# Past its timeout (10m) a silent host is shown as timed out: a failure.
KEYFORM_NOW=$(date -u -d '+11 minutes' +%Y-%m-%dT%H:%M:%SZ) kf "$ex" show DeploymentTarget/web-tls
expect_output 'timed out deploying .*no report by .*counted against maxErrors'
curl -sS -D "$WORK/headers" -o "$WORK/body" --cacert "$WORK/root.pem" \
  --cert "$WORK/web-b2/identity/agent.crt" --key "$WORK/web-b2/identity/agent.key" \
  "$url/v1/targets/web-tls"
grep -q '^HTTP/1.1 409' "$WORK/headers" || fail "a pull past maxConcurrency is not 409"
grep -qi '^retry-after: [0-9]' "$WORK/headers" || fail "a paused rollout sends no Retry-After"
jq -e '.error == "rollout_paused" and (.message | test("maxConcurrency 1.*waiting for web-b1"))' \
  "$WORK/body" >/dev/null || fail "the pause does not say why: $(cat "$WORK/body")"
agent run --once --dir "$WORK/web-b2"
expect_rc 1
expect_output 'DeploymentTarget/web-tls: waiting: 409 rollout_paused'
[ ! -e "$WORK/web-b2/tls/cert.pem" ] || fail "a host past maxConcurrency wrote its files"

# web-b1 deploys (its place is its own) and reports; web-b2 may go then.
agent run --once --dir "$WORK/web-b1"
expect_rc 0
agent run --once --dir "$WORK/web-b2"
expect_rc 0
first=$(serial_of "$WORK/web-b2/tls/cert.pem")
kf "$ex" show DeploymentTarget/web-tls
no_output 'its place in the rollout'

# A renewal; web-b1's reload fails: the rollout halts before web-b2.
KEYFORM_NOW=$(days_from_now 70) kf "$ex" apply --auto-approve
expect_rc 0
# The hosts have not reported for 70 days by that clock: drift for drift to
# report, not a repair apply could make (agents write the target).
no_output 'repair +DeploymentTarget/web-tls'
touch "$WORK/web-b1/broken"
agent run --once --dir "$WORK/web-b1"
expect_rc 1
expect_output 'failed'
agent run --once --dir "$WORK/web-b2"
expect_rc 1
expect_output 'waiting: 409 rollout_halted: .*1 host\(s\) failed it, more than maxErrors 0 allows: web-b1'
[ "$(serial_of "$WORK/web-b2/tls/cert.pem")" = "$first" ] || fail "a halted rollout reached web-b2"
kf "$ex" show DeploymentTarget/web-tls
expect_output 'failed at'
kf "$ex" audit --json
jq -e '[.[] | select(.action == "fleet:GetDeployment" and .outcome == "failed"
        and (.detail | test("rollout_halted")))] | length >= 1' "$WORK/last.out" >/dev/null ||
  fail "the halted pull is not audited"

# Mended, web-b1 retries and succeeds; the rollout resumes for web-b2.
rm "$WORK/web-b1/broken"
agent run --once --dir "$WORK/web-b1"
expect_rc 0
agent run --once --dir "$WORK/web-b2"
expect_rc 0
[ "$(serial_of "$WORK/web-b2/tls/cert.pem")" != "$first" ] || fail "the resumed rollout did not reach web-b2"

# Targets of other hosts may name the same relative paths (each agent writes
# below its own --dir).
cat >"$ex/other.yaml" <<'EOF'
kind: DeploymentTarget
name: db-tls
spec:
  hosts: [db-*]
  source: Secret/web-tls
  files:
    - {path: tls/cert.pem, content: "field:CERTIFICATE_PEM", mode: "0644"}
EOF
kf "$ex" validate
expect_rc 0
rm "$ex/other.yaml"

# Bad limits: the file and line, and nothing else goes on.
sed -i 's|maxConcurrency: 1|maxConcurrency: 0|' "$ex/deploy.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'deploy.yaml:[0-9]+:[0-9]+: .*maxConcurrency'
sed -i 's|maxConcurrency: 0|maxConcurrency: "150%"|' "$ex/deploy.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'deploy.yaml:[0-9]+:[0-9]+: .*percentage'
sed -i 's|maxConcurrency: "150%"|maxConcurrency: "50%"|; /^  hosts:/d' "$ex/deploy.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'rollout limits need spec.hosts'
echo "PASS"
