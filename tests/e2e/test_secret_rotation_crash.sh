# An apply killed (SIGKILL, half-way through a journal append) at every
# point of a postgres-single-user rotation: create | set | test | finish.
# The next apply finishes exactly one rotation: one new CURRENT, the old
# one PREVIOUS, no PENDING left, and the server takes the new password.
source "$(dirname "$0")/lib.sh"
local_only "starts its own PostgreSQL, for the database whose passwords rotate"
source "$(dirname "$0")/postgres_lib.sh"
trap 'pg_stop; rm -rf "$WORK"' EXIT
pg_start "$WORK/pg" || fail "cannot start PostgreSQL"
psql_admin -c "CREATE ROLE app LOGIN"
export DB_ADMIN_DSN=$PG_ADMIN_DSN

ex=$(use_example database-rotation)
rm "$ex/secrets.yaml"
cat >"$ex/app.yaml" <<'YAML'
kind: Secret
name: app-db
spec:
  value: {generate: {length: 32}}
  rotation:
    every: 30d
    strategy: postgres-single-user
    postgres: {connection: {env: DB_ADMIN_DSN}, role: app}
YAML
login() {
  PGPASSWORD=$2 "$PG_BIN/psql" -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$1" -d postgres -c 'SELECT 1' \
    >/dev/null 2>&1 </dev/null
}
versions() { "$KEYFORM" -C "$ex" secret versions Secret/app-db; }
init_and_apply "$ex"

# Journal appends of one rotation: 1 intent, 2 after create, 3 after set,
# 4 after test, 5 the final done. Each run is 31 days after the last.
day=0
for n in 1 2 3 4 5; do
  day=$((day + 31))
  export KEYFORM_NOW=$(days_from_now $day)
  before=$(versions | awk '/CURRENT/ {print $1}')
  set +e
  KEYFORM_TEST_CRASH_AT=journal:$n "$KEYFORM" --no-color -C "$ex" apply --auto-approve \
    >"$WORK/crash.out" 2>&1
  code=$?
  set -e
  [ "$code" -eq 137 ] || { cat "$WORK/crash.out"; fail "journal:$n: apply was not killed (exit $code)"; }
  kf "$ex" apply --auto-approve
  expect_rc 0
  versions >"$WORK/v.out"
  cat "$WORK/v.out"
  grep -q PENDING "$WORK/v.out" && fail "journal:$n: a PENDING version is left"
  [ "$(grep -c '^  [0-9a-f]' "$WORK/v.out")" -eq 2 ] || fail "journal:$n: expected exactly CURRENT and PREVIOUS"
  grep -q "^  $before .*PREVIOUS" "$WORK/v.out" || fail "journal:$n: the old CURRENT is not PREVIOUS (more than one rotation?)"
  pw=$("$KEYFORM" -C "$ex" secret get Secret/app-db)
  login app "$pw" || fail "journal:$n: CURRENT does not log in"
  kf "$ex" plan --detailed-exitcode
  expect_rc 0
done
echo PASS
