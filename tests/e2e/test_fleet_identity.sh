# The life of an agent's identity (docs/fleet.md, "Identity lifecycle") and
# the reader-side commands. Enrolment with --token-file (a file, and - for
# stdin); secret get and access check --server as an agent's identity,
# allowed and refused (audited); renewal at two thirds of the lifetime (the
# old certificate refused afterwards); a clock off by a day or weeks named
# (at enrolment and at renewal time); renewal of
# an expired identity within the grace, and 403 must_reenroll beyond it (an
# HTTP answer, not a TLS failure); drift naming a host on an old serial;
# agent revoke putting the serials in the agent CA's CRL. Serve's and the
# agent's clocks are moved together with KEYFORM_NOW (agentValidity 30d).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
fleet_example
B=account:444455556666/role:apache
C=account:777788889999/role:apache

# serve keeps one loopback port across restarts: the agents keep the URL they
# enrolled with. serve_at [TIME]: restarts it, its clock at TIME when given.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve_at() { start_serve "$ex" serve "127.0.0.1:$port" "${1:-}"; }
serve_at

# run_kf ARGS...: the keyform binary (no -C), stdin from $STDIN; output to
# $WORK/last.out and .err and $LOG; sets $rc.
STDIN=/dev/null
run_kf() {
  set +e
  "$KEYFORM" --no-color "$@" >"$WORK/last.out" 2>"$WORK/last.err" <"$STDIN"
  rc=$?
  set -e
  cat "$WORK/last.out" "$WORK/last.err" | tee -a "$LOG"
}
# agent_at TIME ARGS...: keyform agent with its clock at TIME ("" for the host's).
agent_at() { KEYFORM_NOW=$1 run_kf agent "${@:2}"; }
token() { "$KEYFORM" -C "$ex" agent token --principal "$1" --host "$2" 2>>"$LOG"; }
serial_of_agent() { jq -r .serial "$1/identity/agent.json"; }
upper() { tr a-f A-F; }
status() { curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$WORK/root.pem" "$@" || true; }

# --token-file FILE enrols, and so does - (stdin); neither shows the token in ps.
token "$B" web-b1 >"$WORK/token-b"
agent_at "" enroll --server "$url" --token-file "$WORK/token-b" --server-ca "$WORK/root.pem" \
  --dir "$WORK/b"
expect_rc 0
expect_output "Enrolled as keyform://account/444455556666/role/apache/host/web-b1"
token "$C" web-c1 >"$WORK/token-c"
STDIN="$WORK/token-c" agent_at "" enroll --server "$url" --token-file - \
  --server-ca "$WORK/root.pem" --dir "$WORK/c"
expect_rc 0
expect_output "Enrolled as keyform://account/777788889999/role/apache/host/web-c1"
token "$B" web-b2 >"$WORK/token-d"
agent_at "" enroll --server "$url" --token-file "$WORK/token-d" --server-ca "$WORK/root.pem" \
  --dir "$WORK/d"
expect_rc 0
# A host clock a day ahead of serve's is named at enrolment.
token "$B" web-e1 >"$WORK/token-e"
agent_at "$(days_from_now 1)" enroll --server "$url" --token-file "$WORK/token-e" \
  --server-ca "$WORK/root.pem" --dir "$WORK/e1"
expect_rc 0
expect_output "Warning: this host's clock differs from the server's by 86[0-9]{3} s"
: >"$WORK/empty"
agent_at "" enroll --server "$url" --token-file "$WORK/empty" --server-ca "$WORK/root.pem" \
  --dir "$WORK/e"
expect_rc 1
expect_output 'holds no token'
for who in b d; do
  agent_at "" run --dir "$WORK/$who" --once
  expect_rc 0
  expect_output 'DeploymentTarget/web-tls: deployed 3 file\(s\) of Secret/web-tls'
done

# secret get --server: the principal is the certificate's. d (account
# 444455556666) reads the value; c (777788889999) is refused; both audited.
kf "$ex" secret get Secret/web-tls --field CERTIFICATE_PEM >/dev/null
cp "$WORK/last.out" "$WORK/local-value"
run_kf secret get Secret/web-tls --field CERTIFICATE_PEM --server "$url" --dir "$WORK/d"
expect_rc 0
cmp -s "$WORK/last.out" "$WORK/local-value" || fail "secret get --server did not return the value"
run_kf secret get Secret/web-tls --field CERTIFICATE_PEM --server "$url" \
  --cert "$WORK/d/identity/agent.crt" --key "$WORK/d/identity/agent.key" --server-ca "$WORK/root.pem"
expect_rc 0
cmp -s "$WORK/last.out" "$WORK/local-value" || fail "secret get --server --cert did not return the value"
run_kf secret get Secret/web-tls --server "$url" --dir "$WORK/c"
expect_rc 1
expect_output "403 denied: $C cannot read Secret/web-tls: it lacks secret:GetSecretValue"
[ ! -s "$WORK/last.out" ] || fail "a refused secret get printed something"
run_kf secret get Secret/web-tls --server "$url" --dir "$WORK/c" --as "$B"
expect_rc 1
expect_output 'with --server the principal is the certificate'
kf "$ex" audit --json >/dev/null
jq -e --arg p "$C" '[.[] | select(.principal == $p and .action == "secret:GetSecretValue"
        and .outcome == "denied" and (.detail | startswith("agent web-c1:")))] | length == 1' \
  "$WORK/last.out" >/dev/null || fail "c's refused read is not audited once as denied"
jq -e --arg p "$B" '[.[] | select(.principal == $p and .action == "secret:GetSecretValue"
        and .outcome == "ok" and (.detail | startswith("agent web-b2:"))
        and (.detail | contains(" file(s) of ") | not))] | length == 2' \
  "$WORK/last.out" >/dev/null || fail "d's reads are not audited"
# access check --server: the decision for the caller, exit 0 ALLOW, 2 DENY.
run_kf access check --server "$url" --dir "$WORK/d" --action secret:GetSecretValue \
  --resource Secret/web-tls
expect_rc 0
expect_output '^ALLOW'
run_kf access check --server "$url" --dir "$WORK/c" --action secret:GetSecretValue \
  --resource Secret/web-tls --json
expect_rc 2
jq -e --arg p "$C" '.decision == "DENY" and .principal == $p' "$WORK/last.out" >/dev/null ||
  fail "access check --server did not decide for c's certificate"

# Renewal: not before two thirds of agentValidity (30d) ...
serial0=$(serial_of_agent "$WORK/b")
cp "$WORK/b/identity/agent.crt" "$WORK/old.crt"
cp "$WORK/b/identity/agent.key" "$WORK/old.key"
day10=$(days_from_now 10)
serve_at "$day10"
agent_at "$day10" run --dir "$WORK/b" --once
expect_rc 0
grep -q 'Renewed' "$WORK/last.out" && fail "the identity renewed at a third of its lifetime"
[ "$(serial_of_agent "$WORK/b")" = "$serial0" ] || fail "the serial changed before renewal"
# ... and at day 21 it renews and keeps working.
day21=$(days_from_now 21)
serve_at "$day21"
agent_at "$day21" run --dir "$WORK/b" --once
expect_rc 0
expect_output "Renewed the identity \(due at .*two thirds of its lifetime\): serial $serial0 replaced by"
expect_output 'DeploymentTarget/web-tls: (up to date|deployed)'
serial1=$(serial_of_agent "$WORK/b")
[ "$serial1" != "$serial0" ] || fail "agent.json does not name the new serial"
[ "$(serial_of "$WORK/b/identity/agent.crt")" = "$(echo "$serial1" | upper)" ] ||
  fail "agent.crt is not the renewed certificate"
openssl verify -attime "$(date -d "$day21" +%s)" -CAfile "$WORK/agents.pem" \
  "$WORK/b/identity/agent.crt" >/dev/null || fail "the renewed certificate is not the agent CA's"
a=$(openssl x509 -in "$WORK/b/identity/agent.crt" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$WORK/b/identity/agent.key" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "the renewed certificate is not for the agent's key"
cmp -s "$WORK/b/identity/agent.key" "$WORK/old.key" && fail "renewal kept the old key"
[ "$(file_mode "$WORK/b/identity/agent.key")" = 600 ] || fail "the new key is not 0600"
[ ! -e "$WORK/b/identity/agent-next.key" ] || fail "renewal left agent-next.key"
kf "$ex" show --json >/dev/null
jq -e --arg s "$serial1" --arg o "$serial0" '.resources[] | select(.kind == "FleetAgent" and .name == "web-b1")
        | .attributes.serial == $s and .attributes.previous_serials[0].serial == $o' \
  "$WORK/last.out" >/dev/null || fail "FleetAgent/web-b1 does not record the lineage"
kf "$ex" audit --json >/dev/null
jq -e --arg s "$serial1" '[.[] | select(.action == "fleet:RenewIdentity" and .outcome == "ok"
        and .version == $s and .resource == "FleetAgent/web-b1")] | length == 1' \
  "$WORK/last.out" >/dev/null || fail "the renewal is not audited"
# Once the new certificate was used, the old one is refused, and cannot
# renew again.
[ "$(status --cert "$WORK/old.crt" --key "$WORK/old.key" "$url/v1/targets")" = 403 ] ||
  fail "the superseded certificate was not refused"
jq -e '.error == "superseded_identity"' "$WORK/body" >/dev/null || fail "no superseded_identity: $(cat "$WORK/body")"
[ "$(status --cert "$WORK/old.crt" --key "$WORK/old.key" -X POST --data '{"csr": "x"}' \
  "$url/v1/renew")" = 403 ] || fail "the superseded certificate renewed"
jq -e '.error == "must_reenroll"' "$WORK/body" >/dev/null || fail "no must_reenroll: $(cat "$WORK/body")"

# A host clock 21 days behind serve's is named, and the renewal is judged by
# serve's clock (not due again).
agent_at "" run --dir "$WORK/b" --once
expect_rc 0
expect_output "warning: this host's clock .* is 2[01]d.* behind serve's"
grep -q 'Renewed' "$WORK/last.out" && fail "renewed on a clock that is off"

# Expired (the renewed certificate ends near day 51) but within the 7d
# grace: refused elsewhere, it renews and works again.
day53=$(days_from_now 53)
serve_at "$day53"
[ "$(status --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" \
  "$url/v1/targets")" = 403 ] || fail "an expired certificate was served"
jq -e '.error == "identity_expired"' "$WORK/body" >/dev/null || fail "no identity_expired: $(cat "$WORK/body")"
agent_at "$day53" run --dir "$WORK/b" --once
expect_rc 0
expect_output "Renewed the identity \(serve says it expired; renewing within the grace\): serial $serial1"
expect_output 'DeploymentTarget/web-tls: (up to date|deployed)'
serial2=$(serial_of_agent "$WORK/b")

# A renewal whose answer is lost (sent here by hand, the answer dropped)
# leaves the host with the certificate it replaced, which may renew once
# more: the one that never arrived was never presented.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/lost.key" \
  -subj /CN=keyform-agent -out "$WORK/lost.csr" 2>/dev/null
jq -Rs '{csr: .}' "$WORK/lost.csr" >"$WORK/lost.json"
[ "$(status --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" -X POST \
  --data @"$WORK/lost.json" "$url/v1/renew")" = 200 ] ||
  fail "the renewal to lose was refused: $(cat "$WORK/body")"
lost=$(jq -r .serial "$WORK/body")
agent_at "$day53" run --dir "$WORK/b" --once
expect_rc 0
expect_output "Renewed the identity \(serve names a newer certificate of this host, never received\): serial $serial2"
expect_output 'DeploymentTarget/web-tls: (up to date|deployed)'
serial3=$(serial_of_agent "$WORK/b")
[ "$serial3" != "$serial2" ] && [ "$serial3" != "$lost" ] ||
  fail "the agent did not renew past the lost answer"
# Its new certificate was used: the one it replaced renews no more.
cp "$WORK/b/identity/agent.crt" "$WORK/newest.crt"
[ "$(status --cert "$WORK/newest.crt" --key "$WORK/b/identity/agent.key" "$url/v1/targets")" = 200 ] ||
  fail "the renewed certificate was refused: $(cat "$WORK/body")"
kf "$ex" show --json >/dev/null
jq -e '.resources[] | select(.kind == "FleetAgent" and .name == "web-b1")
        | .attributes | has("unconfirmed_previous") | not' "$WORK/last.out" >/dev/null ||
  fail "using the new certificate did not end the old one's exception"
serial2=$serial3

# Beyond the grace (that certificate ends near day 83): an HTTP 403
# must_reenroll, not a TLS failure, and the agent says what to do.
day95=$(days_from_now 95)
serve_at "$day95"
[ "$(status --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" -X POST \
  --data '{"csr": "x"}' "$url/v1/renew")" = 403 ] || fail "renewal beyond the grace was not a 403"
jq -e '.error == "must_reenroll"' "$WORK/body" >/dev/null || fail "no must_reenroll: $(cat "$WORK/body")"
agent_at "$day95" run --dir "$WORK/b" --once
expect_rc 1
expect_output '403 must_reenroll: .*longer ago than the renewal grace \(7d\)'
expect_output 'This host must enrol again'
[ "$(serial_of_agent "$WORK/b")" = "$serial2" ] || fail "a refused renewal changed the identity"

# Inventory in drift: after a central renewal, the hosts that still serve
# the old serial are named; once web-b2 deploys, it is not.
serve_at
old_serial=$(serial_of "$WORK/d/tls/cert.pem")
day70=$(days_from_now 70)
KEYFORM_NOW=$day70 kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
KEYFORM_NOW=$day70 kf "$ex" drift
expect_rc 2
expect_output "DeploymentTarget/web-tls"
grep -qi "host web-b2 serves serial $old_serial, not the current" "$WORK/last.out" ||
  fail "drift does not name web-b2 on the old serial"
expect_output 'host web-c1 is enrolled but has not deployed it'
agent_at "" run --dir "$WORK/d" --once
expect_rc 0
expect_output 'DeploymentTarget/web-tls: deployed 3 file\(s\)'
KEYFORM_NOW=$day70 kf "$ex" drift
grep -qi "host web-b2 serves serial" "$WORK/last.out" && fail "drift names web-b2 after it deployed"
grep -qi "host web-b1 serves serial" "$WORK/last.out" || fail "drift no longer names web-b1"

# agent revoke: the serials of the host's lineage are in the agent CA's CRL,
# and the agent is refused at its next request.
serial_d=$(serial_of_agent "$WORK/d")
kf "$ex" agent revoke web-b2
expect_rc 0
expect_output 'The CRL of CertificateAuthority/agents lists it'
kf "$ex" agent revoke web-b1 --reason keyCompromise
expect_rc 0
kf "$ex" show CertificateAuthority/agents --json >/dev/null
jq -r .attributes.crl.pem "$WORK/last.out" >"$WORK/agents.crl"
openssl crl -in "$WORK/agents.crl" -noout -text >"$WORK/crl.txt"
for s in "$serial_d" "$serial0" "$serial1" "$serial2"; do
  grep -q "Serial Number: $(echo "$s" | upper)" "$WORK/crl.txt" || fail "serial $s is not in the CRL"
done
grep -A4 "Serial Number: $(echo "$serial2" | upper)" "$WORK/crl.txt" | grep -q 'Key Compromise' ||
  fail "web-b1's serial is not revoked for keyCompromise: $(cat "$WORK/crl.txt")"
openssl crl -in "$WORK/agents.crl" -noout -CAfile "$WORK/agents.pem" 2>&1 | grep -q 'verify OK' ||
  fail "the CRL does not verify with the agent CA"
agent_at "" run --dir "$WORK/d" --once
expect_rc 1
expect_output '403 agent_revoked'

# No key material or token in anything printed or audited.
cat "$WORK/serve.out" "$WORK/serve.err" >>"$LOG"
kf "$ex" audit --json >/dev/null
for f in "$LOG" "$WORK/last.out"; do
  grep -q 'PRIVATE KEY' "$f" && fail "key material in $f"
  grep -qF "$(cat "$WORK/token-b")" "$f" && fail "a join token in $f"
done
stop_serve
echo PASS
