# Saved plans: `plan -o FILE` then `apply FILE` carries out exactly that plan
# once; it is refused (nothing changed) when the state or the config moved
# on, or when the file was edited. `plan --markdown` for pull requests.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
init_and_apply "$ex"
web_serial=$(serial_of "$ex/out/web/cert.pem")

# The saved plan: mode 0600, the plan JSON inside, no secret material.
kf "$ex" plan --replace Certificate/web -o "$WORK/p1"
expect_rc 0
expect_output 'Saved the plan to .*p1'
[ "$(file_mode "$WORK/p1")" = 600 ] || fail "plan file has mode $(file_mode "$WORK/p1"), not 600"
if grep -q 'PRIVATE KEY' "$WORK/p1"; then fail "plan file holds a private key"; fi
[ "$(jq -r '.plan.actions[] | select(.address == "Certificate/web") | .action' "$WORK/p1")" = replace ] \
  || fail "plan file does not hold the replacement"
[ "$(jq -r '.options.replace[0]' "$WORK/p1")" = Certificate/web ] || fail "plan file lost --replace"
jq -e '.keyform_saved_plan == 1 and (.config_digest | length) == 64 and (.plan.lineage | length) > 0' \
  "$WORK/p1" >/dev/null || fail "plan file lacks its envelope"

# Applied without asking (stdin is /dev/null), exactly once.
kf "$ex" apply "$WORK/p1"
expect_rc 0
expect_output 'Applying the saved plan'
expect_output 'Certificate/web: replaced'
new_serial=$(serial_of "$ex/out/web/cert.pem")
[ "$new_serial" != "$web_serial" ] || fail "the saved plan did not re-issue Certificate/web"
kf "$ex" apply "$WORK/p1"
expect_rc 1
expect_output 'saved plan is stale: the state moved from serial [0-9]+ to [0-9]+ since it was made; plan again'
[ "$(serial_of "$ex/out/web/cert.pem")" = "$new_serial" ] || fail "a stale plan changed the world"

# --target/--replace belong to the saved plan.
kf "$ex" plan -o "$WORK/p2"
expect_rc 0
kf "$ex" apply "$WORK/p2" --replace Certificate/web
expect_rc 1
expect_output 'cannot be given with a saved plan'

# A config edit after the plan was made: refused, nothing changed.
sed -i 's/validity: 90d/validity: 60d/' "$ex/certificates.yaml"
kf "$ex" apply "$WORK/p2"
expect_rc 1
expect_output 'saved plan is stale: the configuration changed since the plan was made; plan again'
[ "$(serial_of "$ex/out/web/cert.pem")" = "$new_serial" ] || fail "a stale plan changed the world"

# An edited action list: refused.
kf "$ex" plan -o "$WORK/p3"
expect_rc 0
jq '(.plan.actions[] | select(.address == "Certificate/api-client") | .action) = "replace"' \
  "$WORK/p3" >"$WORK/p3.tampered"
kf "$ex" apply "$WORK/p3.tampered"
expect_rc 1
expect_output 'saved plan does not match what keyform would do now: Certificate/api-client is replace in the file but no-op'

# Not a plan, or from a newer keyform: clear errors.
echo '{"hello": 1}' >"$WORK/bad"
kf "$ex" apply "$WORK/bad"
expect_rc 1
expect_output 'is not a keyform saved plan'
jq '.keyform_saved_plan = 9' "$WORK/p3" >"$WORK/p3.newer"
kf "$ex" apply "$WORK/p3.newer"
expect_rc 1
expect_output 'made by a newer keyform'

# Markdown for the pull request: summary heading, table, details, no colour.
kf "$ex" plan --markdown
expect_rc 0
expect_output '^### Plan: 0 to create, .*0 to delete\.$'
expect_output '^\| action \| count \|$'
expect_output '^<details><summary>.* Certificate/web</summary>$'
no_output $'\033'
kf "$ex" plan --json --markdown
expect_rc 1
kf "$ex" plan -o "$WORK/p4" --at "$(days_from_now 65)"
expect_rc 1

# The untouched plan, with a relative path: applies, and then nothing is left.
cd "$WORK"
kf "$ex" apply p3
expect_rc 0
expect_output 'Apply complete'
kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
