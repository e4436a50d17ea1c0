# A second run while an apply holds the lock exits 3 and names the holder.
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
kf "$ex" init

# The first apply waits at its confirmation prompt, holding the lock.
mkfifo "$WORK/answer"
"$KEYFORM" --no-color -C "$ex" apply <"$WORK/answer" >"$WORK/first.out" 2>&1 &
first=$!
exec 3>"$WORK/answer"
for _ in $(seq 100); do
  grep -q "Only 'yes'" "$WORK/first.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "Only 'yes'" "$WORK/first.out" || fail "first apply never asked"

kf "$ex" apply --auto-approve
expect_rc 3
expect_output 'locked'
expect_output 'apply'
expect_output "pid $first"
expect_output 'state unlock'

kf "$ex" plan
expect_rc 3

echo no >&3
exec 3>&-
wait "$first" || true
grep -q "cancelled" "$WORK/first.out" || fail "first apply did not cancel"

kf "$ex" apply --auto-approve
expect_rc 0
echo PASS
