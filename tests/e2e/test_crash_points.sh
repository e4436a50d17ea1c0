# Kill apply (SIGKILL, half-way through a write) at every journal append and
# at every durable file write in turn; after each crash a plain apply must
# finish the work: every certificate verifies and matches its key, every
# deployed file is whole, no temp file is left, and a final plan is clean.
source "$(dirname "$0")/lib.sh"
local_only "crash points in the state directory's files"

check_world() {
  local ex=$1 label=$2
  for d in web api-client; do
    openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/$d/cert.pem" >/dev/null 2>&1 \
      || fail "$label: $d certificate does not verify"
    a=$(openssl x509 -in "$ex/out/$d/cert.pem" -noout -pubkey | openssl sha256)
    b=$(openssl pkey -in "$ex/out/$d/key.pem" -pubout 2>/dev/null | openssl sha256)
    [ "$a" = "$b" ] || fail "$label: $d key does not match its certificate"
  done
  openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/fullchain.pem" >/dev/null 2>&1 \
    || fail "$label: fullchain is not whole"
  leftover=$(find "$ex/out" "$ex/.keyform" -name '*.tmp-*' -o -name '.*.keyform-*' | head -1)
  [ -z "$leftover" ] || fail "$label: temp file left: $leftover"
  kf "$ex" plan --detailed-exitcode
  expect_rc 0
  no_output 'Warning'
}

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
    kf "$ex" apply --auto-approve >/dev/null
    expect_rc 0
    check_world "$ex" "$site:$n"
    rm -rf "$ex"
    n=$((n + 1))
    [ "$n" -le 100 ] || fail "$site: more than 100 crash points; the loop is not ending"
  done
  [ "$n" -gt 5 ] || fail "$site: only $((n - 1)) crash points: the harness is not reaching the writes"
  echo "$site: recovered from $((n - 1)) crash points"
done
echo PASS
