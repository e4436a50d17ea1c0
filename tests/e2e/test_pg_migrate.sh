# state migrate moves a whole state between the local and postgres backends,
# verifies it, refuses a destination that is not empty, and the moved state
# plans no changes and keeps its certificates.
KEYFORM_E2E_BACKEND=local
source "$(dirname "$0")/lib.sh"
source "$KEYFORM_SOURCE_DIR/tests/e2e/postgres_lib.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT
pg_start "$WORK/pg" || fail "cannot start PostgreSQL"
psql_admin -c "CREATE DATABASE keyform_e2e"
export KEYFORM_PG_DSN="${PG_ADMIN_DSN%/postgres}/keyform_e2e"

ex=$(use_example quickstart)
init_and_apply "$ex"
web=$(serial_of "$ex/out/web/cert.pem" | tr A-F a-f)
objects=$(find "$ex/.keyform/objects" -type f | wc -l)

kf "$ex" state migrate --to local
expect_rc 1
expect_output 'already in the local backend'

kf "$ex" state migrate --to postgres
expect_rc 0
expect_output "Migrated the state .*, $objects objects, [0-9]+ audit records\)"
expect_output 'Verified'
[ "$(psql_admin -d keyform_e2e -tA -c 'SELECT count(*) FROM keyform.objects')" = "$objects" ] ||
  fail "the objects table does not hold $objects objects"
# The audit log moved line for line, and its chain still verifies there.
[ "$(psql_admin -d keyform_e2e -tA -c 'SELECT count(*) FROM keyform.audit')" = \
  "$(wc -l <"$ex/.keyform/audit.log")" ] || fail "the audit table does not hold the local log"
kf "$ex" --backend postgres audit verify
expect_rc 0

# The postgres copy plans no changes and renews nothing.
kf "$ex" --backend postgres plan --detailed-exitcode
expect_rc 0
kf "$ex" --backend postgres show Certificate/web
expect_output "$web"

# A destination that is not empty is refused.
kf "$ex" state migrate --to postgres
expect_rc 1
expect_output 'not empty'

# And back: into an empty local directory (the root key stays where it was).
mkdir "$WORK/old"
mv "$ex/.keyform/state.json" "$ex/.keyform/journal" "$ex/.keyform/objects" "$ex/.keyform/audit.log" \
  "$WORK/old/"
kf "$ex" --backend postgres state migrate --to local
expect_rc 0
expect_output "$objects objects"
kf "$ex" plan --detailed-exitcode
expect_rc 0
kf "$ex" apply --auto-approve
expect_rc 0
[ "$(serial_of "$ex/out/web/cert.pem" | tr A-F a-f)" = "$web" ] || fail "the certificate changed"
grep -qF "$PG_ADMIN_PASSWORD" "$LOG" && fail "the connection string's password was printed"
echo PASS
