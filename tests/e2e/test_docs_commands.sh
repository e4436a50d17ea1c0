# Every `keyform ...` command shown in docs/guide.md and README.md runs
# against the quickstart, in the order the pages show them, and the binary
# understands each command line: a flag or command the docs show and the
# CLI rejects fails here with the doc's file:line (tests/e2e/docs_commands.py).
source "$(dirname "$0")/lib.sh"
local_only "command-line parsing does not depend on the backend"
check="$KEYFORM_SOURCE_DIR/tests/e2e/docs_commands.py"

# The check itself catches a rejected command line, at its line.
printf '# t\n\n```sh\nkeyform plan --no-such-flag\n```\n' >"$WORK/bad.md"
ex=$(use_example quickstart)
set +e
python3 "$check" "$KEYFORM" "$ex" 1 "$WORK/bad.md" >"$WORK/bad.out" 2>&1
bad_rc=$?
set -e
[ "$bad_rc" -eq 1 ] || fail "a rejected command line passed the check (exit $bad_rc)"
grep -q "REJECTED: $WORK/bad.md:4: keyform plan --no-such-flag: keyform: usage error:" \
  "$WORK/bad.out" || fail "the check did not name bad.md:4: $(cat "$WORK/bad.out")"
rm -rf "$ex"

# The guide, on a fresh copy of the quickstart, in the guide's order.
cd "$KEYFORM_SOURCE_DIR"
ex=$(use_example quickstart)
python3 "$check" "$KEYFORM" "$ex" 40 docs/guide.md || fail "docs/guide.md shows commands the CLI rejects"
rm -rf "$ex"
ex=$(use_example quickstart)
python3 "$check" "$KEYFORM" "$ex" 1 README.md || fail "README.md shows commands the CLI rejects"
echo "PASS"
