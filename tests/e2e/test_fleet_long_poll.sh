# Long-polls (docs/fleet.md, GET /v1/targets?since=&wait=), on either
# backend: an unchanged poll answers 304 when its wait runs out and is
# audited once as unchanged; a malformed wait is 400. An agent run without
# --once long-polls with a 50 s wait, so only a wake-up explains a change
# reaching it within 20 s: a renewal applied by another process (the local
# backend's revision is checked once a second, PostgreSQL NOTIFYs), then a
# policy change in serve's config directory (the config files are checked
# once a second).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
fleet_example
B=account:444455556666/role:apache
start_serve "$ex" serve
url=$serve_url
token=$("$KEYFORM" -C "$ex" agent token --principal "$B" --host web-b1 2>>"$LOG")
agent_dir="$WORK/b"
"$KEYFORM" agent enroll --server "$url" --token "$token" --server-ca "$WORK/root.pem" \
  --dir "$agent_dir" >>"$LOG" 2>&1 || fail "enrolling web-b1 failed"

id="$agent_dir/identity"
poll() { curl -sS --cacert "$WORK/root.pem" --cert "$id/agent.crt" --key "$id/agent.key" "$@"; }
rev=$(poll "$url/v1/targets" | jq -r .revision)
case "$rev" in r-*) ;; *) fail "the list has no revision: $rev" ;; esac
start=$(date +%s%N)
code=$(poll -o "$WORK/body" -w '%{http_code}' "$url/v1/targets?since=$rev&wait=2")
took=$((($(date +%s%N) - start) / 1000000))
[ "$code" = 304 ] || fail "an unchanged long-poll answered $code, not 304"
[ "$took" -ge 1500 ] || fail "an unchanged long-poll with wait=2 answered after $took ms"
[ ! -s "$WORK/body" ] || fail "the 304 has a body"
# A no-change poll's record joins a batch appended within 100 ms, with no
# other request to push it out; it is there once.
unchanged_audited() {
  kf "$ex" audit --json >/dev/null
  jq -e --arg p "$B" --arg r "$rev" --argjson n "$1" '[.[] | select(.principal == $p
        and .action == "fleet:ListTargets" and .version == $r
        and (.detail | endswith("unchanged")))] | length == $n' "$WORK/last.out" >/dev/null
}
for _ in $(seq 20); do unchanged_audited 1 && break; sleep 0.1; done
unchanged_audited 1 || fail "the unchanged poll is not audited once"
code=$(poll -o "$WORK/body" -w '%{http_code}' "$url/v1/targets?since=$rev&wait=soon")
[ "$code" = 400 ] || fail "a malformed wait answered $code"
jq -e '.error == "invalid_field"' "$WORK/body" >/dev/null || fail "a malformed wait is not invalid_field"
# A batch not yet appended when serve is stopped is appended as it stops.
code=$(poll -o /dev/null -w '%{http_code}' "$url/v1/targets?since=$rev&wait=0")
[ "$code" = 304 ] || fail "a wait=0 poll answered $code"
stop_serve serve
unchanged_audited 2 || fail "a no-change poll answered just before serve stopped is not audited"
start_serve "$ex" serve "127.0.0.1:${url##*:}"  # the port web-b1 was enrolled with

"$KEYFORM" --no-color agent run --dir "$agent_dir" --interval 50s >"$WORK/agent.out" 2>&1 &
kill_on_exit $!
for _ in $(seq 200); do [ -s "$agent_dir/tls/cert.pem" ] && break; sleep 0.1; done
[ -s "$agent_dir/tls/cert.pem" ] || fail "the long-polling agent never deployed: $(cat "$WORK/agent.out")"
first=$(serial_of "$agent_dir/tls/cert.pem")
sleep 2  # parked now, on its 50 s wait

# within SECONDS CONDITION...: true once the condition holds, false after.
within() {
  local limit=$1 since
  shift
  since=$(date +%s)
  while [ $(($(date +%s) - since)) -lt "$limit" ]; do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}
KEYFORM_NOW=$(days_from_now 70) kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
renewed() { [ "$(serial_of "$agent_dir/tls/cert.pem")" != "$first" ]; }
within 20 renewed || fail "the renewal did not wake the parked long-poll: $(cat "$WORK/agent.out")"

# The policy change: removing kms:Decrypt refuses the next pull, which the
# change itself triggers.
sleep 2
sed -i '/^---$/,$d' "$ex/policies.yaml"
refused() { grep -q "lacks kms:Decrypt on KmsKey/ca-key" "$WORK/agent.out"; }
within 20 refused || fail "the policy change did not wake the parked long-poll: $(cat "$WORK/agent.out")"
cat "$WORK/agent.out" >>"$LOG"
echo "PASS"
