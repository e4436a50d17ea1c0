# Kill apply (SIGKILL, half-way through a write) at every journal append and
# at every durable file write in turn; after each crash a plain apply must
# finish the work. Checked after each (check_quickstart_world in lib.sh):
# every certificate verifies and matches its key, every recorded key is in
# the object store, every deployed file is whole, no temp file is left, the
# final plan is clean; and no certificate the crashed run recorded was
# issued again by the recovering one.
source "$(dirname "$0")/lib.sh"
local_only "crash points in the state directory's files"

for site in journal file; do
  n=1
  while :; do
    ex="$WORK/$site-$n"
    cp -r "$KEYFORM_SOURCE_DIR/examples/quickstart" "$ex"
    rm -rf "$ex/.keyform" "$ex/out"
    kf "$ex" init >/dev/null
    set +e
    KEYFORM_TEST_CRASH_AT="$site:$n" "$KEYFORM" --no-color -C "$ex" apply --auto-approve \
      >"$WORK/crash.out" 2>&1 </dev/null
    crash_rc=$?
    set -e
    if [ "$crash_rc" -eq 0 ]; then
      break  # fewer than n writes at this site: every point has been tried
    fi
    [ "$crash_rc" -eq 137 ] || { cat "$WORK/crash.out"; fail "$site:$n: expected SIGKILL (137), got $crash_rc"; }
    recorded_serials "$ex" >"$WORK/before-recovery"
    kf "$ex" apply --auto-approve >/dev/null
    expect_rc 0
    check_quickstart_world "$ex" "$site:$n"
    # A certificate recorded before the crash is the one in the final state:
    # the recovering apply did not issue it a second time.
    recorded_serials "$ex" >"$WORK/after-recovery"
    reissued=$(comm -23 "$WORK/before-recovery" "$WORK/after-recovery")
    [ -z "$reissued" ] || fail "$site:$n: recorded before the crash, issued again: $reissued"
    [ "$(wc -l <"$WORK/after-recovery")" -eq 3 ] || fail "$site:$n: expected 3 certificates in state"
    rm -rf "$ex"
    n=$((n + 1))
    [ "$n" -le 100 ] || fail "$site: more than 100 crash points; the loop is not ending"
  done
  [ "$n" -gt 5 ] || fail "$site: only $((n - 1)) crash points: the harness is not reaching the writes"
  echo "$site: recovered from $((n - 1)) crash points"
done
echo PASS
