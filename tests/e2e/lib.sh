# Shared helpers for the end-to-end tests: each test runs the real keyform
# binary ($KEYFORM) on a copy of an example in a fresh temp directory.
set -euo pipefail

: "${KEYFORM:?set KEYFORM to the keyform binary}"
: "${KEYFORM_SOURCE_DIR:?set KEYFORM_SOURCE_DIR to the source tree}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyform-e2e-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/output.log"   # everything keyform printed, for the secret scan
: >"$LOG"
unset KEYFORM_ROOT_KEY KEYFORM_NOW

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# KEYFORM_E2E_BACKEND=postgres runs the same tests against the postgres
# backend: one throwaway server per test script (postgres_lib.sh), a database
# keyform_e2e, and use_example points keyform.yaml at it through
# $KEYFORM_E2E_DSN.
KEYFORM_E2E_BACKEND=${KEYFORM_E2E_BACKEND:-local}
if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
  source "$KEYFORM_SOURCE_DIR/tests/e2e/postgres_lib.sh"
  trap 'pg_stop; rm -rf "$WORK"' EXIT
  pg_start "$WORK/pg" || fail "cannot start PostgreSQL"
  psql_admin -c "CREATE DATABASE keyform_e2e"
  export KEYFORM_E2E_DSN="${PG_ADMIN_DSN%/postgres}/keyform_e2e"
fi

# local_only REASON: the test is about the local backend's files; under
# KEYFORM_E2E_BACKEND=postgres it is skipped (exit 77, ctest's SKIP).
local_only() {
  if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
    echo "SKIP: local backend only: $*"
    exit 77
  fi
}

# Copies an example into $WORK/<name> and prints that path.
use_example() {
  cp -r "$KEYFORM_SOURCE_DIR/examples/$1" "$WORK/$1"
  rm -rf "$WORK/$1/.keyform" "$WORK/$1/out"
  if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
    local project="$WORK/$1/keyform.yaml" line='  backend: {type: postgres, dsn: {env: KEYFORM_E2E_DSN}}'
    if grep -q '^  backend: ' "$project"; then
      sed -i "s|^  backend: .*|$line|" "$project"
    else
      sed -i "s|^spec:\$|spec:\n$line|" "$project"
    fi
    grep -q 'type: postgres' "$project" || fail "use_example: cannot set the backend in $1"
  fi
  echo "$WORK/$1"
}

# init_and_apply DIR: init and a first apply that must succeed.
init_and_apply() {
  kf "$1" init >/dev/null
  kf "$1" apply --auto-approve >/dev/null
  expect_rc 0
}

# hold_lock DIR: starts an apply in the background that stops at its
# confirmation prompt, holding the exclusive lock; sets $holder (its pid)
# and keeps its stdin open on fd 3 (`echo no >&3` cancels it). Its output
# goes to $WORK/holder.out.
hold_lock() {
  mkfifo "$WORK/answer"
  "$KEYFORM" --no-color -C "$1" apply <"$WORK/answer" >"$WORK/holder.out" 2>&1 &
  holder=$!
  exec 3>"$WORK/answer"
  for _ in $(seq 100); do
    grep -q "Only 'yes'" "$WORK/holder.out" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the apply holding the lock never asked"
}

# kf DIR ARGS...: runs keyform, appending stdout and stderr to $LOG and
# printing them; sets $rc to its exit status.
kf() {
  local dir=$1
  shift
  set +e
  "$KEYFORM" --no-color -C "$dir" "$@" >"$WORK/last.out" 2>"$WORK/last.err" </dev/null
  rc=$?
  set -e
  cat "$WORK/last.out" "$WORK/last.err" | tee -a "$LOG"
}

# expect_rc N: the last kf exited with N.
expect_rc() {
  [ "$rc" -eq "$1" ] || fail "expected exit $1, got $rc"
}

# expect_output PATTERN: the last kf printed a line matching the ERE.
expect_output() {
  grep -Eq -- "$1" "$WORK/last.out" "$WORK/last.err" || fail "output has no match for: $1"
}

no_output() {
  if grep -Eq -- "$1" "$WORK/last.out" "$WORK/last.err"; then fail "output unexpectedly matches: $1"; fi
}

# The certificate's serial, as openssl prints it.
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# RFC 3339 for now + N days.
days_from_now() { date -u -d "+$1 days" +%Y-%m-%dT%H:%M:%SZ; }

file_mode() { stat -c %a "$1"; }

# check_quickstart_world DIR LABEL: the quickstart's work is whole after a
# crash or a failed write and a recovering apply: every certificate verifies
# and matches its deployed key, every deployed PEM file is complete, no temp
# file is left, every object the state records (each certificate's key,
# each KmsKey version's material) is in the object store, no KmsKey version
# is recorded twice, no two recorded certificates share a serial, and a plan
# has no changes.
check_quickstart_world() {
  local ex=$1 label=$2 d f a b id
  for d in web api-client; do
    openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/$d/cert.pem" >/dev/null 2>&1 ||
      fail "$label: $d certificate does not verify"
    a=$(openssl x509 -in "$ex/out/$d/cert.pem" -noout -pubkey | openssl sha256)
    b=$(openssl pkey -in "$ex/out/$d/key.pem" -pubout 2>/dev/null | openssl sha256)
    [ "$a" = "$b" ] || fail "$label: $d key does not match its certificate"
  done
  openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/fullchain.pem" >/dev/null 2>&1 ||
    fail "$label: fullchain is not whole"
  # Complete files: each ends with its PEM footer and a newline.
  for f in $(find "$ex/out" -type f -name '*.pem'); do
    [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$label: $f is cut short"
    tail -n 1 "$f" | grep -Eq '^-----END [A-Z ]+-----$' || fail "$label: $f is cut short"
  done
  leftover=$(find "$ex/out" "$ex/.keyform" -name '*.tmp-*' -o -name '.*.keyform-*' | head -1)
  [ -z "$leftover" ] || fail "$label: temp file left: $leftover"
  kf "$ex" show --json >/dev/null
  expect_rc 0
  cp "$WORK/last.out" "$WORK/state.json"
  jq -e '[.resources[] | select(.kind == "Certificate" or .kind == "CertificateAuthority")
         | select(.objects.privateKey == null)] | length == 0' "$WORK/state.json" >/dev/null ||
    fail "$label: a recorded certificate has no privateKey object"
  # A KmsKey's versions are distinct, and each has its material.
  jq -e '[.resources[] | select(.kind == "KmsKey") | .attributes.versions | map(.version)
         | length == (unique | length)] | all' "$WORK/state.json" >/dev/null ||
    fail "$label: a KmsKey has the same version twice"
  jq -e '[.resources[] | select(.kind == "KmsKey") | . as $k | .attributes.versions[]
         | $k.objects["v\(.version)"] != null] | all' "$WORK/state.json" >/dev/null ||
    fail "$label: a KmsKey version has no material object"
  for id in $(jq -r '.resources[].objects[]' "$WORK/state.json"); do
    [ -s "$ex/.keyform/objects/${id:0:2}/$id" ] || fail "$label: object $id is not in the store"
  done
  [ -z "$(jq -r '.resources[].attributes.serial // empty' "$WORK/state.json" | sort | uniq -d)" ] ||
    fail "$label: two recorded certificates share a serial"
  kf "$ex" plan --detailed-exitcode
  expect_rc 0
  no_output 'Warning'
}

# recorded_serials DIR: "address serial" of every recorded certificate, as
# a read-only show sees the state (journal replayed).
recorded_serials() {
  kf "$1" show --json >/dev/null
  [ "$rc" -eq 0 ] || fail "the state is not loadable: $(cat "$WORK/last.err")"
  jq -r '.resources | to_entries[] | select(.value.attributes.serial) |
         "\(.key) \(.value.attributes.serial)"' "$WORK/last.out" | sort
}

# state_fingerprint DIR: changes when anything is written to the state, on
# either backend (the local files, or the postgres head row and journal).
state_fingerprint() {
  if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
    "$PG_BIN/psql" -X -qtA "$KEYFORM_E2E_DSN" \
      -c "SELECT serial, version, (SELECT count(*) FROM keyform.journal) FROM keyform.state" |
      sha256sum
  else
    cat "$1/.keyform/state.json" "$1/.keyform/journal" | sha256sum
  fi
}
