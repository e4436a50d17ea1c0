# The postgres backend's lock: a second run exits 3 naming the holder (from
# keyform.lock_holders); --lock-timeout waits; state unlock refuses a live
# holder; a runner killed with SIGKILL loses its lock with its session. The
# connection string's password never appears in output, and the database
# holds no private key or root key in plaintext.
KEYFORM_E2E_BACKEND=postgres
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
kf "$ex" init
expect_rc 0
expect_output 'postgres backend, database keyform_e2e'

# The first apply waits at its confirmation prompt, holding the lock.
hold_lock "$ex"
first=$holder

kf "$ex" apply --auto-approve
expect_rc 3
expect_output 'locked \(exclusive\): apply by'
expect_output "pid $first"
lock_id=$(sed -n 's/.*lock id \([0-9a-f]*\).*/\1/p' "$WORK/last.err" | head -1)
[ -n "$lock_id" ] || fail "no lock id in the refusal"

kf "$ex" plan
expect_rc 3

start=$(date +%s)
kf "$ex" --lock-timeout 2s plan
expect_rc 3
expect_output 'waiting up to 2s'
expect_output 'gave up after --lock-timeout 2s'
[ $(($(date +%s) - start)) -ge 2 ] || fail "--lock-timeout did not wait"

kf "$ex" state unlock "$lock_id"
expect_rc 1
expect_output 'live database session'

# SIGKILL: the server ends the session, and with it the lock.
kill -9 "$first"
wait "$first" 2>/dev/null || true
exec 3>&-
kf "$ex" --lock-timeout 30s apply --auto-approve
expect_rc 0
expect_output 'Apply complete'
kf "$ex" state unlock "$lock_id"
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "state unlock of a dead holder exited $rc"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# Shared holders coexist: a plan while another plan holds the lock.
kf "$ex" state list
expect_rc 0

grep -qF "$PG_ADMIN_PASSWORD" "$LOG" && fail "the connection string's password was printed"
psql_admin -d keyform_e2e -c 'SELECT count(*) FROM keyform.lock_holders' -tA >"$WORK/holders"
[ "$(cat "$WORK/holders")" = 0 ] || fail "lock holder rows left behind: $(cat "$WORK/holders")"

# No secret material in plaintext anywhere in the database.
PGPASSWORD=$PG_ADMIN_PASSWORD "$PG_BIN/pg_dump" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN" \
  -d keyform_e2e >"$WORK/dump.sql"
grep -q 'keyform.objects' "$WORK/dump.sql" || fail "the dump holds no objects table"
grep -q 'PRIVATE KEY' "$WORK/dump.sql" && fail "a private key in plaintext in the database"
root_key=$(tr -d '\n' <"$ex/.keyform/root.key")
grep -qF "$root_key" "$WORK/dump.sql" && fail "the root key is in the database"
for f in $(find "$ex/out" -name '*key*.pem'); do
  body=$(sed -n 2p "$f")
  grep -qF "$body" "$WORK/dump.sql" && fail "$f's key material is in the database"
done
echo PASS
