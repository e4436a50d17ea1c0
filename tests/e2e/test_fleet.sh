# The fleet: keyform serve on a free loopback port, two agents enrolled with
# one-time tokens (accounts 444455556666 and 777788889999). The first deploys
# the certificate bundle of a Secret its policies share with it; the second
# is refused and audited, and nothing is written on its side. Removing the
# kms:Decrypt statement refuses the first too, with the reason; a revoked
# agent, a replayed or expired token, a client certificate of another CA,
# malformed JSON, an oversized body and an unknown endpoint are each refused
# clearly and change nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
fleet_example
B=account:444455556666/role:apache
C=account:777788889999/role:apache

# apply never writes a target with hosts, and the plan says who does.
[ ! -e "$ex/tls" ] || fail "apply wrote a target that names hosts"
kf "$ex" plan --detailed-exitcode
expect_rc 0
expect_output 'agents +DeploymentTarget/web-tls'
expect_output 'written by keyform agent on hosts web-\*'

start_serve "$ex"

enroll() { agent enroll --server "$url" --token "$1" --server-ca "$WORK/root.pem" --dir "$2"; }

# Enrolment: the state keeps the token's hash only; the key is made on the host.
token_b=$(token "$B" web-b1)
case "$token_b" in kfjoin-*) ;; *) fail "no join token printed: $token_b" ;; esac
kf "$ex" show --json >/dev/null
grep -q "${token_b#kfjoin-}" "$WORK/last.out" && fail "the state holds the join token itself"
jq -e --arg h "$(printf %s "$token_b" | sha256sum | cut -d' ' -f1)" \
  '[.resources[] | select(.kind == "FleetJoinToken" and .attributes.sha256 == $h)] | length == 1' \
  "$WORK/last.out" >/dev/null || fail "the token's hash is not recorded"
enroll "$token_b" "$WORK/b"
expect_rc 0
expect_output "Enrolled as keyform://account/444455556666/role/apache/host/web-b1"
[ "$(file_mode "$WORK/b/identity/agent.key")" = 600 ] || fail "the agent key is not 0600"
openssl verify -CAfile "$WORK/agents.pem" "$WORK/b/identity/agent.crt" >/dev/null ||
  fail "the identity certificate is not the agent CA's"
openssl x509 -in "$WORK/b/identity/agent.crt" -noout -ext subjectAltName |
  grep -q 'URI:keyform://account/444455556666/role/apache/host/web-b1' || fail "no identity URI SAN"
a=$(openssl x509 -in "$WORK/b/identity/agent.crt" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$WORK/b/identity/agent.key" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "the identity certificate is not for the agent's key"
not_before=$(date -d "$(openssl x509 -in "$WORK/b/identity/agent.crt" -noout -startdate | cut -d= -f2)" +%s)
[ $(($(date +%s) - not_before)) -ge 240 ] || fail "the identity certificate is not backdated"

# A replayed token is refused, and nothing is made.
enroll "$token_b" "$WORK/b2"
expect_rc 1
expect_output '403 token_refused: the join token was already used'
[ ! -e "$WORK/b2/identity/agent.crt" ] || fail "a replayed token enrolled an agent"
# An expired one too.
token_x=$(token "$B" web-x1 --ttl 1s)
sleep 2
enroll "$token_x" "$WORK/x"
expect_rc 1
expect_output '403 token_refused: the join token expired'

# Two enrolments racing with one token: exactly one gets an identity.
token_r=$(token "$B" web-r1)
racers=()
for n in 1 2; do
  "$KEYFORM" agent enroll --server "$url" --token "$token_r" --server-ca "$WORK/root.pem" \
    --dir "$WORK/r$n" >"$WORK/r$n.out" 2>&1 &
  racers+=($!)
done
wait "${racers[@]}" || true
won=0
for n in 1 2; do [ ! -e "$WORK/r$n/identity/agent.crt" ] || won=$((won + 1)); done
[ "$won" -eq 1 ] || fail "one token enrolled $won agents"
cat "$WORK"/r1.out "$WORK"/r2.out | grep -q 'already used' || fail "the losing enrolment was not refused"

token_c=$(token "$C" web-c1)
enroll "$token_c" "$WORK/c"
expect_rc 0

# b deploys the bundle: the files verify, the key matches, reload ran.
agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-tls: deployed 3 file\(s\) of Secret/web-tls'
openssl verify -CAfile "$WORK/b/tls/chain.pem" "$WORK/b/tls/cert.pem" >/dev/null ||
  fail "the deployed certificate does not verify"
a=$(openssl x509 -in "$WORK/b/tls/cert.pem" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$WORK/b/tls/key.pem" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "the deployed key does not match the certificate"
[ "$(file_mode "$WORK/b/tls/key.pem")" = 600 ] || fail "the key is not 0600"
[ "$(file_mode "$WORK/b/tls/cert.pem")" = 644 ] || fail "the certificate is not 0644"
[ -s "$WORK/b/reloads.log" ] || fail "the reload command did not run"
serial=$(serial_of "$WORK/b/tls/cert.pem")
kf "$ex" show DeploymentTarget/web-tls
expect_rc 0
expect_output 'web-b1'
kf "$ex" show DeploymentTarget/web-tls --json >/dev/null
[ "$(jq -r '.hosts["web-b1"].serial' "$WORK/last.out" | tr a-f A-F)" = "$serial" ] ||
  fail "show does not list the serial web-b1 deployed"
[ "$(jq -r '.hosts["web-b1"].outcome' "$WORK/last.out")" = ok ] || fail "web-b1's report is not ok"
agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-tls: up to date'

# A renewal applied centrally, while serve runs, reaches b on its next pull
# and show lists the new serial for web-b1.
KEYFORM_NOW=$(days_from_now 70) kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-tls: deployed 3 file\(s\)'
renewed=$(serial_of "$WORK/b/tls/cert.pem")
[ "$renewed" != "$serial" ] || fail "the renewed certificate did not reach the agent"
kf "$ex" show DeploymentTarget/web-tls --json >/dev/null
[ "$(jq -r '.hosts["web-b1"].serial' "$WORK/last.out" | tr a-f A-F)" = "$renewed" ] ||
  fail "show does not list the renewed serial for web-b1"

# c's account is not in the policies: refused, audited, nothing written.
agent run --dir "$WORK/c" --once
expect_rc 1
expect_output "refused: 403 denied: $C cannot deploy Secret/web-tls: it lacks secret:GetSecretValue"
[ ! -e "$WORK/c/tls" ] || fail "a refused agent wrote files"
kf "$ex" audit --json >/dev/null
jq -e --arg p "$C" '[.[] | select(.principal == $p and .outcome == "denied"
        and .action == "fleet:GetDeployment" and .resource == "DeploymentTarget/web-tls")] | length >= 1' \
  "$WORK/last.out" >/dev/null || fail "c's refusal is not audited as denied"
jq -e --arg p "$B" '[.[] | select(.principal == $p and .outcome == "ok"
        and .action == "secret:GetSecretValue" and .resource == "Secret/web-tls")] | length >= 1' \
  "$WORK/last.out" >/dev/null || fail "b's read of the Secret is not audited"

# Without the kms:Decrypt statement b is refused, with the reason.
cp "$ex/policies.yaml" "$WORK/policies.yaml"
sed -i '/^---$/,$d' "$ex/policies.yaml"
agent run --dir "$WORK/b" --once
expect_rc 1
expect_output "refused: 403 denied: $B may read Secret/web-tls but lacks kms:Decrypt on KmsKey/ca-key"
cp "$WORK/policies.yaml" "$ex/policies.yaml"

# Bad requests: clear JSON errors, and the state does not move.
before=$(state_fingerprint "$ex")
status() { curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$WORK/root.pem" "$@" || true; }
[ "$(status -X POST --data '{"token": "kfjoin-' "$url/v1/enroll")" = 400 ] || fail "malformed JSON is not 400"
jq -e '.error == "malformed_json"' "$WORK/body" >/dev/null || fail "no malformed_json error: $(cat "$WORK/body")"
head -c 100000 /dev/zero | tr '\0' a >"$WORK/big"
[ "$(status -X POST --data-binary @"$WORK/big" "$url/v1/enroll")" = 413 ] || fail "an oversized body is not 413"
jq -e '.error == "body_too_large"' "$WORK/body" >/dev/null || fail "no body_too_large error"
[ "$(status "$url/v1/nothing")" = 404 ] || fail "an unknown endpoint is not 404"
jq -e '.error == "unknown_endpoint"' "$WORK/body" >/dev/null || fail "no unknown_endpoint error"
[ "$(status "$url/v1/targets")" = 401 ] || fail "no client certificate is not 401"
[ "$(status --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" \
  -X POST --data '{"version": "x", "outcome": "maybe"}' "$url/v1/targets/web-tls/report")" = 400 ] ||
  fail "an invalid report is not 400"
[ "$(state_fingerprint "$ex")" = "$before" ] || fail "a bad request changed the state"

# A client certificate of another CA, even naming b, fails the handshake.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=web-b1 \
  -addext "subjectAltName=URI:keyform://account/444455556666/role/apache/host/web-b1" \
  -keyout "$WORK/other.key" -out "$WORK/other.crt" 2>/dev/null
set +e
curl -s -o /dev/null --cacert "$WORK/root.pem" --cert "$WORK/other.crt" --key "$WORK/other.key" \
  "$url/v1/targets" 2>"$WORK/curl.err"
curl_rc=$?
set -e
[ "$curl_rc" -eq 35 ] || [ "$curl_rc" -eq 56 ] || fail "another CA's certificate was not refused at TLS (curl $curl_rc)"

# Revoked: the next request is refused.
kf "$ex" agent revoke web-b1
expect_rc 0
agent run --dir "$WORK/b" --once
expect_rc 1
expect_output '403 agent_revoked'

# No key material in anything serve or the commands printed, or in the audit log.
key_line=$(sed -n 2p "$WORK/b/tls/key.pem")
cat "$WORK/serve.out" "$WORK/serve.err" >>"$LOG"
kf "$ex" audit --json >/dev/null
for f in "$LOG" "$WORK/last.out"; do
  grep -q 'PRIVATE KEY' "$f" && fail "key material in $f"
  grep -qF "$key_line" "$f" && fail "the deployed key in $f"
done
stop_serve
echo PASS
