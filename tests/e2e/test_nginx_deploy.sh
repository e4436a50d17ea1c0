# Deploying to a real nginx: the certificate and key switch together and
# nginx reloads with zero failed handshakes; a failed reload or a failed
# verify.tls puts the previous files back and nginx keeps serving them.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
trap 'nginx_stop; rm -rf "$WORK"' EXIT

ex=$(use_example nginx)
rm -rf "$ex/nginx/tls" "$ex/nginx/tmp" "$ex/nginx/"*.pid "$ex/nginx/"*.log  # from running the example by hand
PORT=$(free_port)
sed -i "s/8443/$PORT/g" "$ex/deploy.yaml" "$ex/nginx/nginx.conf"
mkdir -p "$ex/nginx/tls"
placeholder_cert "$ex/nginx/tls" placeholder
placeholder_cert "$ex/nginx/tls" server1
nginx_start "$ex/nginx" nginx.conf
ADDR=127.0.0.1:$PORT
crt=$ex/nginx/tls/server1.crt
key=$ex/nginx/tls/server1.key

# 1. The first apply deploys, reloads, verifies; curl trusts it.
init_and_apply "$ex"
first=$(serial_of "$crt")
serves "$ADDR" server1.example "$first" || fail "nginx does not serve the deployed serial"
curl -sS --fail --cacert "$ex/out/ca.pem" --resolve "server1.example:$PORT:127.0.0.1" \
  "https://server1.example:$PORT/" >"$WORK/curl.out" || fail "curl failed against the deployed certificate"
grep -q server1 "$WORK/curl.out" || fail "unexpected body: $(cat "$WORK/curl.out")"
[ "$(file_mode "$key")" = 600 ] || fail "key mode $(file_mode "$key")"
if ls -a "$ex/nginx/tls" | grep -q keyform; then fail "temp or previous-version files left behind"; fi

# 2. Renewal while a client handshakes in a loop: not one handshake fails.
stop=$WORK/stop-handshakes
python3 "$KEYFORM_SOURCE_DIR/tests/e2e/tls_handshakes.py" 127.0.0.1 "$PORT" server1.example \
  "$ex/out/ca.pem" "$stop" 2000 20 >"$WORK/handshakes.out" &
loop=$!
sleep 1
export KEYFORM_NOW=$(days_from_now 61)
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'DeploymentTarget/server1'
second=$(serial_of "$crt")
[ "$second" != "$first" ] || fail "the certificate did not renew"
sleep 1
touch "$stop"
wait "$loop"
summary=$(cat "$WORK/handshakes.out")
echo "$summary"
echo "$summary" | grep -q ' failures=0 ' || fail "handshakes failed during the deployment: $summary"
n=$(echo "$summary" | sed -E 's/.*handshakes=([0-9]+).*/\1/')
[ "$n" -ge 20 ] || fail "too few handshakes to mean anything: $summary"
echo "$summary" | grep -qi "serials=.*${second,,}" || echo "$summary" | grep -qi "${second#0}" ||
  fail "the loop never saw the new serial: $summary"
serves "$ADDR" server1.example "$second" || fail "nginx does not serve the renewed serial"

# The files as they are now: every failure below must leave exactly these.
snapshot() { sha256sum "$crt" "$key"; stat -c '%a %n' "$crt" "$key"; }
before=$(snapshot)
# expect_restored WHAT: the files are the ones above, nginx serves them, and
# no previous-version or temp file is left.
expect_restored() {
  [ "$(snapshot)" = "$before" ] || fail "a failed $1 left changed files"
  serves "$ADDR" server1.example "$second" || fail "after a failed $1 nginx no longer serves the old serial"
  if ls -a "$ex/nginx/tls" | grep -q keyform; then fail "files left behind after a failed $1"; fi
}

# 3. A reload command that fails: files restored, nginx serves the old one.
export KEYFORM_NOW=$(days_from_now 122)
sed -i 's/command: \[nginx, .*\]/command: [sh, -c, "echo reload refused by the test >\&2; exit 3"]/' "$ex/deploy.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'reload command sh exited with status 3: reload refused by the test'
expect_output 'previous files were restored'
expect_restored reload

# 4. A verify that fails (the name picks the placeholder server): files
# restored, nginx reloaded with them, the reason given.
sed -i "s/command: \[sh, .*\]/command: [nginx, -p, nginx, -c, nginx.conf, -e, stderr, -s, reload]/" "$ex/deploy.yaml"
sed -i 's/serverName: server1.example/serverName: other.example/; s/timeout: 10s/timeout: 2s/' "$ex/deploy.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output "verify.tls failed: $ADDR \(SNI other.example\) serves serial"
expect_output 'previous files were restored and reloaded'
expect_restored verify

# 5. Fixed: the pending deployment goes through.
sed -i 's/serverName: other.example/serverName: server1.example/' "$ex/deploy.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
third=$(serial_of "$crt")
[ "$third" != "$second" ] || fail "the renewed certificate was not deployed"
serves "$ADDR" server1.example "$third" || fail "nginx does not serve the newest serial"
kf "$ex" drift
expect_rc 0

# 6. Drift: nginx switched to another certificate behind keyform's back.
sed -i 's#ssl_certificate tls/server1.crt;#ssl_certificate tls/placeholder.crt;#; s#ssl_certificate_key tls/server1.key;#ssl_certificate_key tls/placeholder.key;#' \
  "$ex/nginx/nginx.conf"
nginx_ctl -s reload
serves "$ADDR" server1.example "$(serial_of "$ex/nginx/tls/placeholder.crt")" ||
  fail "nginx did not switch to the placeholder"
kf "$ex" drift
expect_rc 2
expect_output '^DeploymentTarget/server1: MODIFIED'
expect_output "$ADDR \(SNI server1.example\) serves serial"
echo PASS
