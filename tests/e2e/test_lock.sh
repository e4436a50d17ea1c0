# A second run while an apply holds the lock exits 3 and names the holder.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
kf "$ex" init

# The first apply waits at its confirmation prompt, holding the lock.
hold_lock "$ex"
first=$holder

kf "$ex" apply --auto-approve
expect_rc 3
expect_output 'locked'
expect_output 'apply'
expect_output "pid $first"
expect_output 'state unlock'
# The hint runs where this run did: with its -C.
expect_output "\`keyform -C $ex state unlock "

kf "$ex" plan
expect_rc 3

echo no >&3
exec 3>&-
wait "$first" || true
grep -q "cancelled" "$WORK/holder.out" || fail "first apply did not cancel"

kf "$ex" apply --auto-approve
expect_rc 0
echo PASS
