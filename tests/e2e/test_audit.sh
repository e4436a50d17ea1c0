#!/usr/bin/env bash
# The audit log: every action of apply is recorded (with KEYFORM_NOW when
# the clock is overridden); `audit verify` passes on the log as written and
# fails, naming the record, once a byte is changed, a line removed, or two
# lines swapped.
source "$(dirname "$0")/lib.sh"

dir=$(use_example cross-account)
init_and_apply "$dir"
log="$dir/.keyform/audit.log"
if [ "$KEYFORM_E2E_BACKEND" = local ]; then
  [ "$(wc -l <"$log")" -eq 6 ] || fail "expected 6 audit records, got $(wc -l <"$log")"
fi
kf "$dir" audit
expect_rc 0
expect_output '^[1-6]  .*  ok  create  KmsKey/ca-key  version v1  as account:111122223333/role:owner'
expect_output 'ok  share  ResourcePolicy/ca-key'
kf "$dir" audit --json
jq -e 'length == 6 and all(.[]; .outcome == "ok" and (.hash | length) == 64)' "$WORK/last.out" \
  >/dev/null || fail "audit --json"

# A renewal under an overridden clock records KEYFORM_NOW.
export KEYFORM_NOW=$(days_from_now 80)
kf "$dir" apply --auto-approve >/dev/null
expect_rc 0
unset KEYFORM_NOW
kf "$dir" audit --json
jq -e '.[6].action == "renew" and .[6].resource == "Certificate/web" and (.[6].keyform_now | length) > 0' \
  "$WORK/last.out" >/dev/null || fail "the renewal's record lacks KEYFORM_NOW"
kf "$dir" audit verify
expect_rc 0
expect_output '^The audit log is intact: [0-9]+ records, head [0-9a-f]{64}\.$'

if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
  # The log is a table: one byte of record 3 changed there.
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$KEYFORM_E2E_DSN" \
    -c "UPDATE keyform.audit SET line = replace(line, 'role:owner', 'role:ownEr') WHERE seq = 3"
  kf "$dir" audit verify
  expect_rc 1
  expect_output '^line 3: record 3 was edited'
  exit 0
fi

cp "$log" "$WORK/audit.good"
# One byte changed in record 3.
sed -i '3s/role:owner/role:ownEr/' "$log"
kf "$dir" audit verify
expect_rc 1
expect_output '^line 3: record 3 was edited'
# A line removed.
cp "$WORK/audit.good" "$log"
sed -i '2d' "$log"
kf "$dir" audit verify
expect_rc 1
expect_output '^line 2: record 2 was removed before record 3$'
# Two lines swapped.
cp "$WORK/audit.good" "$log"
awk 'NR==4{held=$0; next} NR==5{print; print held; next} {print}' "$WORK/audit.good" >"$log"
kf "$dir" audit verify
expect_rc 1
expect_output '^lines 4 and 5: records 4 and 5 were swapped$'
# Restored, it verifies again; a new apply continues the chain.
cp "$WORK/audit.good" "$log"
kf "$dir" audit verify
expect_rc 0

# A failed action is recorded as failed, with its reason, and the chain goes on.
rm -rf "$dir/out/web"
mkdir "$WORK/elsewhere"
ln -s "$WORK/elsewhere" "$dir/out/web"
kf "$dir" apply --auto-approve
expect_rc 1
kf "$dir" audit --json
jq -e '.[-1].outcome == "failed" and .[-1].resource == "DeploymentTarget/web" and (.[-1].detail | test("symbolic link"))' \
  "$WORK/last.out" >/dev/null || fail "the failed action's record"
kf "$dir" audit verify
expect_rc 0
echo "ok"
