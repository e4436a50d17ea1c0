# Kill an apply that replaces a certificate at every journal append in turn;
# after each crash a plain apply must finish: the old serial is revoked
# exactly once, the new one not at all, and a final plan is clean.
source "$(dirname "$0")/pki_lib.sh"
export KEYFORM_ROOT_KEY=$(openssl rand -base64 32)
base=$(new_project base)
cat >"$base/pki.yaml" <<'YAML'
kind: CertificateAuthority
name: root
spec:
  type: root
  subject: {commonName: Crash Test Root}
  crl: {enabled: true}
---
kind: Certificate
name: web
spec:
  issuer: root
  commonName: web.example.test
YAML
init_and_apply "$base"
old=$(attr "$base" Certificate/web .serial | upper)
sed -i 's/commonName: web.example.test/commonName: www.example.test/' "$base/pki.yaml"

n=1
while :; do
  ex="$WORK/crash-$n"
  cp -r "$base" "$ex"
  set +e
  KEYFORM_TEST_CRASH_AT="journal:$n" "$KEYFORM" --no-color -C "$ex" apply --auto-approve \
    >"$WORK/crash.out" 2>&1 </dev/null
  crash_rc=$?
  set -e
  [ "$crash_rc" -eq 0 ] && break
  [ "$crash_rc" -eq 137 ] || { cat "$WORK/crash.out"; fail "journal:$n: expected SIGKILL (137), got $crash_rc"; }
  kf "$ex" apply --auto-approve >/dev/null
  expect_rc 0
  attr "$ex" CertificateAuthority/root .crl.pem >"$WORK/crl.pem"
  new=$(attr "$ex" Certificate/web .serial | upper)
  [ "$(crl_serials "$WORK/crl.pem" | grep -c "^$old$")" = 1 ] || fail "journal:$n: old serial not revoked exactly once"
  crl_serials "$WORK/crl.pem" | grep -q "^$new$" && fail "journal:$n: the new certificate was revoked"
  [ "$(attr "$ex" CertificateAuthority/root '.revoked_certificates | length')" = 1 ] \
    || fail "journal:$n: the revocation list does not hold exactly one entry"
  kf "$ex" plan --detailed-exitcode
  expect_rc 0
  rm -rf "$ex"
  n=$((n + 1))
  [ "$n" -le 50 ] || fail "more than 50 crash points; the loop is not ending"
done
[ "$n" -gt 3 ] || fail "only $((n - 1)) crash points: the harness is not reaching the journal"
echo "recovered from $((n - 1)) crash points"
echo PASS
