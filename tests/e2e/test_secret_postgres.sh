# PostgreSQL credential rotation on a real server: single-user (the new
# password logs in, the old one does not), alternating users (CURRENT and
# PREVIOUS both log in), a failing rotation (role missing) that leaves
# CURRENT alone, drift when the server stops accepting CURRENT, and no
# password in the state, the journal, the output or the server's log.
source "$(dirname "$0")/lib.sh"
local_only "starts its own PostgreSQL, for the database whose passwords rotate"
source "$(dirname "$0")/postgres_lib.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT
pg_start "$WORK/pg" || fail "cannot start PostgreSQL"
psql_admin -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
psql_admin -c "CREATE ROLE app LOGIN" -c "CREATE ROLE report LOGIN" \
  -c "CREATE TABLE t (x int)" -c "GRANT SELECT ON t TO report"
export DB_ADMIN_DSN=$PG_ADMIN_DSN

ex=$(use_example database-rotation)
login() {  # login USER PASSWORD [SQL] -> exit status of a query as that user
  PGPASSWORD=$2 "$PG_BIN/psql" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$1" -d postgres \
    -c "${3:-SELECT 1}" >/dev/null 2>&1 </dev/null
}
get() { "$KEYFORM" -C "$ex" secret get "$@"; }

init_and_apply "$ex"
app1=$(get Secret/app-db --field password)
login app "$app1" || fail "app does not log in with CURRENT after the first apply"
rep1=$(get Secret/report-db)
login report "$rep1" || fail "report does not log in with CURRENT after the first apply"

# Single user: the new password logs in, the old one does not.
kf "$ex" apply --auto-approve --replace Secret/app-db
expect_rc 0
app2=$(get Secret/app-db --field password)
[ "$app2" != "$app1" ] || fail "the password did not change"
login app "$app2" || fail "the new password does not log in"
if login app "$app1"; then fail "the old password still logs in"; fi
[ "$(get Secret/app-db --stage PREVIOUS --field password)" = "$app1" ] || fail "PREVIOUS is not the old password"

# Alternating users: report_clone is made; CURRENT and PREVIOUS both log in.
kf "$ex" apply --auto-approve --replace Secret/report-db
expect_rc 0
kf "$ex" secret versions Secret/report-db
expect_output 'CURRENT +user report_clone'
expect_output 'PREVIOUS +user report$'
rep2=$(get Secret/report-db)
login report_clone "$rep2" 'SELECT count(*) FROM t' || fail "the clone does not log in with CURRENT, or lacks report's grants"
login report "$rep1" || fail "the previous user no longer logs in with PREVIOUS"
# The next rotation changes report (not in use) and switches back to it.
kf "$ex" apply --auto-approve --replace Secret/report-db
expect_rc 0
rep3=$(get Secret/report-db)
login report "$rep3" || fail "report does not log in after the second rotation"
login report_clone "$rep2" || fail "report_clone lost PREVIOUS on the second rotation"
if login report "$rep1"; then fail "report still takes its old password"; fi

# A failing rotation (the role is gone) leaves CURRENT as it was.
before=$("$KEYFORM" -C "$ex" secret versions Secret/app-db | awk '/CURRENT/ {print $1}')
psql_admin -c "DROP ROLE app"
kf "$ex" apply --auto-approve --replace Secret/app-db
expect_rc 1
expect_output 'role app does not exist'
kf "$ex" secret versions Secret/app-db
expect_output "^  $before .*CURRENT"
expect_output 'PENDING'
[ "$(get Secret/app-db --field password)" = "$app2" ] || fail "CURRENT changed after a failed rotation"

# Drift: the server no longer accepts CURRENT.
kf "$ex" drift
expect_rc 2
expect_output 'Secret/app-db'
expect_output 'no longer accepts CURRENT'
# Put the role back: the pending rotation resumes and finishes (one version).
psql_admin -c "CREATE ROLE app LOGIN"
kf "$ex" plan
expect_output 'resuming the rotation'
kf "$ex" apply --auto-approve
expect_rc 0
app3=$(get Secret/app-db --field password)
login app "$app3" || fail "the resumed rotation's password does not log in"
kf "$ex" secret versions Secret/app-db
[ "$(grep -c '^  [0-9a-f]' "$WORK/last.out")" -eq 2 ] || fail "expected CURRENT and PREVIOUS only"
no_output PENDING

# No password in the state, the journal, keyform's output or the server log.
needles="$WORK/needles"
printf '%s\n' "$app1" "$app2" "$app3" "$rep1" "$rep2" "$rep3" >"$needles"
for f in $(find "$ex/.keyform" -type f ! -name root.key) "$WORK/pg/server.log" "$LOG"; do
  if grep -aF -f "$needles" "$f" >/dev/null; then fail "a password found in $f"; fi
done
grep -q 'ALTER ROLE' "$WORK/pg/server.log" || fail "the server log has no statements: the scan proves nothing"
grep -q "SCRAM-SHA-256" "$WORK/pg/server.log" || fail "ALTER ROLE did not send a SCRAM verifier"
echo PASS
