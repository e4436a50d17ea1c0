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

# Copies an example into $WORK/<name> and prints that path.
use_example() {
  cp -r "$KEYFORM_SOURCE_DIR/examples/$1" "$WORK/$1"
  rm -rf "$WORK/$1/.keyform" "$WORK/$1/out"
  echo "$WORK/$1"
}

# init_and_apply DIR: init and a first apply that must succeed.
init_and_apply() {
  kf "$1" init >/dev/null
  kf "$1" apply --auto-approve >/dev/null
  expect_rc 0
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
