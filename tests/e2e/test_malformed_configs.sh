# Table-driven bad input: every case in tests/e2e/malformed/<case>/ breaks a
# copy of the applied quickstart and runs `apply --auto-approve`, which must
# exit 1, print a diagnostic at file:line:col, and change nothing.
#
# A case is data: files/ (copied over the config, adding or replacing
# files), setup.sh (run with bash in the config directory, for bytes,
# generated input and edits), expect (one ERE per line, each of which must
# match a line of the output; the first names the file, line and column) and
# nopos (the problem has no position: a missing file).
source "$(dirname "$0")/lib.sh"
local_only "parsing and validation; it compares the local backend's files byte for byte"
CASES="$KEYFORM_SOURCE_DIR/tests/e2e/malformed"

base=$(use_example quickstart)
init_and_apply "$base"
kf "$base" plan --detailed-exitcode >/dev/null
expect_rc 0

# Everything a run could change: state, deployed files, their modes.
snapshot() {
  (cd "$1" && find .keyform out -printf '%p %y %m %s\n' | sort &&
    find .keyform out -type f -exec sha256sum {} + | sort)
}
before=$(snapshot "$base")

count=0
for dir in "$CASES"/*/; do
  name=$(basename "$dir")
  ex="$WORK/case-$name"
  cp -a "$base" "$ex"
  [ -d "$dir/files" ] && cp -r "$dir/files/." "$ex/"
  [ -f "$dir/setup.sh" ] && (cd "$ex" && bash -e "$dir/setup.sh")

  kf "$ex" apply --auto-approve >/dev/null
  [ "$rc" -eq 1 ] || { cat "$WORK/last.err"; fail "$name: expected exit 1, got $rc"; }
  while IFS= read -r pattern; do
    [ -n "$pattern" ] || continue
    grep -Eq -- "$pattern" "$WORK/last.err" ||
      { cat "$WORK/last.err"; fail "$name: no line of the output matches: $pattern"; }
  done <"$dir/expect"
  if [ ! -f "$dir/nopos" ]; then
    grep -Eq '^[^ :]+\.ya?ml:[0-9]+:[0-9]+: ' "$WORK/last.err" ||
      { cat "$WORK/last.err"; fail "$name: no diagnostic at file:line:col"; }
  fi
  grep -q 'nothing was changed' "$WORK/last.err" || fail "$name: no 'nothing was changed'"
  [ "$(snapshot "$ex")" = "$before" ] || fail "$name: the state or the deployed files changed"
  rm -rf "$ex"
  count=$((count + 1))
done
[ "$count" -ge 50 ] || fail "only $count malformed cases ran"
echo "PASS: $count malformed configs rejected, nothing changed"
