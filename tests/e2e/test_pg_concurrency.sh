# Eight applies started at once against one database and one config: exactly
# one applies, the others wait (--lock-timeout) or exit 3. Afterwards the
# serial history is gap-free, every certificate was issued and recorded
# exactly once, and a plan has no changes. Prints how long each run took
# (docs/benchmarks.md quotes it); nothing asserts on time.
KEYFORM_E2E_BACKEND=postgres
source "$(dirname "$0")/lib.sh"
ex=$(use_example quickstart)
kf "$ex" init
expect_rc 0

pids=()
for i in 1 2 3 4 5 6 7 8; do
  # Half wait for the lock, half fail at once.
  if [ $((i % 2)) -eq 0 ]; then wait_flag=(--lock-timeout 5m); else wait_flag=(); fi
  (
    start=$(date +%s%N)
    set +e
    "$KEYFORM" --no-color -C "$ex" "${wait_flag[@]}" apply --auto-approve >"$WORK/run$i.out" 2>&1
    echo "$? $(( ($(date +%s%N) - start) / 1000000 ))" >"$WORK/run$i.rc"
  ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

applied=0
for i in 1 2 3 4 5 6 7 8; do
  read -r code ms <"$WORK/run$i.rc"
  waited=$(grep -c 'waiting up to' "$WORK/run$i.out" || true)
  echo "run $i: exit $code after ${ms} ms$([ "$waited" -gt 0 ] && echo ', waited for the lock')"
  cat "$WORK/run$i.out" >>"$LOG"
  case $code in
    0)
      if grep -Eq 'Apply complete\. [1-9][0-9]* succeeded' "$WORK/run$i.out"; then
        applied=$((applied + 1))
      fi
      ;;
    3)
      [ $((i % 2)) -eq 1 ] || fail "run $i waited with --lock-timeout 5m yet exited 3"
      grep -q 'locked' "$WORK/run$i.out" || fail "run $i exited 3 without naming the lock"
      ;;
    *) cat "$WORK/run$i.out" >&2; fail "run $i exited $code" ;;
  esac
done
[ "$applied" -eq 1 ] || fail "$applied runs applied changes; expected exactly one"

q() { psql_admin -d keyform_e2e -tA -c "$1"; }
serial=$(q 'SELECT serial FROM keyform.state')
[ "$(q 'SELECT count(*) FROM keyform.history')" = "$serial" ] || fail "history is not one row per serial"
[ "$(q 'SELECT min(serial) FROM keyform.history')" = 1 ] || fail "history does not start at 1"
[ "$(q 'SELECT max(serial) FROM keyform.history')" = "$serial" ] || fail "history has a gap"

certs=$(grep -c '^kind: Certificate$' "$ex"/*.yaml | awk -F: '{s += $2} END {print s}')
issued=$(q "SELECT count(*) FROM keyform.history WHERE type = 'done' AND address LIKE 'Certificate/%'")
[ "$issued" = "$certs" ] || fail "$issued certificate issuances recorded for $certs certificates"
twice=$(q "SELECT count(*) FROM (SELECT address FROM keyform.history WHERE type = 'done' GROUP BY address HAVING count(*) > 1) d")
[ "$twice" = 0 ] || fail "$twice addresses were recorded more than once"
# Each deployed certificate is the one the state recorded.
kf "$ex" show --json
expect_rc 0
for pem in $(find "$ex/out" -name 'cert.pem' -o -name 'ca.pem'); do
  s=$(serial_of "$pem")
  grep -qi "$s" "$WORK/last.out" || fail "$pem (serial $s) is not the recorded certificate"
done

kf "$ex" plan --detailed-exitcode
expect_rc 0
echo PASS
