# No private key or root key in plaintext anywhere under .keyform/ (but the
# root key file init created on purpose) or in anything keyform printed.
source "$(dirname "$0")/lib.sh"
local_only "scans the files under .keyform (tests/e2e/test_pg_lock.sh scans a database dump)"
ex=$(use_example quickstart)
kf "$ex" init
kf "$ex" plan
kf "$ex" apply --auto-approve
kf "$ex" show
kf "$ex" state list
for a in $(cat "$WORK/last.out"); do kf "$ex" show "$a" >/dev/null; kf "$ex" show "$a" --json >/dev/null; done
kf "$ex" show --json
kf "$ex" plan --json
export KEYFORM_NOW=$(days_from_now 70)
kf "$ex" apply --auto-approve

root_key=$(tr -d '\n' <"$ex/.keyform/root.key")
needles="$WORK/needles"
: >"$needles"
# Every line of base64 inside each deployed private key, and the root key.
for key in "$ex"/out/*/key.pem; do
  grep -v -- '-----' "$key" >>"$needles"
done
echo "$root_key" >>"$needles"
[ "$(wc -l <"$needles")" -gt 5 ] || fail "too few needles: the scan would prove nothing"

files=$(find "$ex/.keyform" -type f ! -name root.key)
[ -n "$files" ] || fail "nothing under .keyform to scan"
for f in $files "$LOG"; do
  if grep -F -f "$needles" "$f" >/dev/null; then fail "secret material found in $f"; fi
  if grep -a -q "PRIVATE KEY" "$f"; then fail "a PEM private key header found in $f"; fi
done
# Raw DER of the keys, too (the state is JSON, but objects are binary).
for key in "$ex"/out/*/key.pem; do
  der=$(openssl pkey -in "$key" -outform DER | od -An -v -tx1 | tr -d ' \n' | cut -c1-64)
  for f in $files; do
    if od -An -v -tx1 "$f" | tr -d ' \n' | grep -q "$der"; then fail "raw key bytes found in $f"; fi
  done
done
echo PASS
