# Two keyform serve replicas on one PostgreSQL state (issue 15, "Must show"):
# eight agents, each knowing both replicas (agent enroll --server A --server B,
# half of them in the other order), pull in a storm of `agent run --once`;
# one replica is killed with SIGKILL in the middle and a renewal is applied.
# Every pass of every agent completes against the surviving replica (a
# failed request is tried on the other, never taken as an answer), and in
# the end each agent's files verify and hold the current certificate, and
# the inventory lists every host with it.
#
# Then the change feed: a renewal applied centrally wakes a long-poll parked
# on a replica (NOTIFY keyform_state): an agent long-polling with a 50 s
# wait deploys the renewal within 20 s, which only a wake-up explains (the
# replica's own safety-net check of the state runs every five minutes).
KEYFORM_E2E_BACKEND=postgres
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
fleet_example
B=account:444455556666/role:apache

start_serve "$ex" serve-a
url_a=$serve_url pid_a=$serve_pid
start_serve "$ex" serve-b
url_b=$serve_url
# A third replica for the long-poll tests at the end, started now: a replica
# loads its own certificate when it starts, and the renewals below (applied
# 70 and 140 days ahead) would give a new one a certificate not yet valid.
start_serve "$ex" serve-c
url_c=$serve_url

hosts=(web-s1 web-s2 web-s3 web-s4 web-s5 web-s6 web-s7 web-s8)
n=0
for h in "${hosts[@]}"; do
  token=$("$KEYFORM" -C "$ex" agent token --principal "$B" --host "$h" 2>>"$LOG")
  if [ $((n % 2)) -eq 0 ]; then order=("$url_a" "$url_b"); else order=("$url_b" "$url_a"); fi
  n=$((n + 1))
  "$KEYFORM" agent enroll --server "${order[0]}" --server "${order[1]}" --token "$token" \
    --server-ca "$WORK/root.pem" --dir "$WORK/$h" >>"$LOG" 2>&1 || fail "enrolling $h failed"
  jq -e --arg a "${order[0]}" --arg b "${order[1]}" '.servers == [$a, $b]' \
    "$WORK/$h/identity/agent.json" >/dev/null || fail "agent.json of $h does not list both replicas"
done

# The storm: each agent runs 8 passes back to back; each pass's exit status
# is recorded.
passes=8
storm=()
for h in "${hosts[@]}"; do
  (
    for i in $(seq $passes); do
      set +e
      "$KEYFORM" --no-color agent run --dir "$WORK/$h" --once >>"$WORK/$h.log" 2>&1 </dev/null
      echo "$i $?" >>"$WORK/$h.rcs"
      set -e
    done
  ) &
  storm+=($!)
done
done_passes() { cat "$WORK"/web-s*.rcs 2>/dev/null | wc -l; }
for _ in $(seq 300); do [ "$(done_passes)" -ge 8 ] && break; sleep 0.1; done
[ "$(done_passes)" -ge 8 ] || fail "the storm did not get going"
[ "$(done_passes)" -lt $((passes * ${#hosts[@]})) ] || fail "the storm ended before the kill"
# Replica A is killed mid-storm, then the certificate renews (an apply of
# another process, 70 days on) while the agents keep pulling from B.
kill -9 "$pid_a"
echo "killed replica A after $(done_passes) passes" | tee -a "$LOG"
KEYFORM_NOW=$(days_from_now 70) kf "$ex" apply --auto-approve --lock-timeout 1m
expect_rc 0
expect_output 'Secret/web-tls: rotated'
for p in "${storm[@]}"; do wait "$p"; done
cat "$WORK"/web-s*.log >>"$LOG"

for h in "${hosts[@]}"; do
  [ "$(wc -l <"$WORK/$h.rcs")" -eq $passes ] || fail "$h ran $(wc -l <"$WORK/$h.rcs") passes"
  if grep -qv ' 0$' "$WORK/$h.rcs"; then
    cat "$WORK/$h.log" >&2
    fail "a pass of $h failed during the storm: $(grep -v ' 0$' "$WORK/$h.rcs" | head -3)"
  fi
done
# Every agent completes against the survivor (its renewal, if a pass of the
# storm did not take it already), then serves the current certificate.
kf "$ex" show Certificate/web --json >/dev/null
current=$(jq -r .attributes.serial "$WORK/last.out" | tr a-f A-F)
renewal_time=$(date -d "+70 days" +%s)
for h in "${hosts[@]}"; do
  "$KEYFORM" --no-color agent run --dir "$WORK/$h" --once >"$WORK/last.out" 2>&1 ||
    fail "$h did not complete against replica B: $(cat "$WORK/last.out")"
  [ "$(serial_of "$WORK/$h/tls/cert.pem")" = "$current" ] ||
    fail "$h serves $(serial_of "$WORK/$h/tls/cert.pem"), not the current $current"
  openssl verify -attime "$renewal_time" -CAfile "$WORK/$h/tls/chain.pem" "$WORK/$h/tls/cert.pem" \
    >/dev/null || fail "the certificate $h deployed does not verify"
  a=$(openssl x509 -in "$WORK/$h/tls/cert.pem" -noout -pubkey | openssl sha256)
  b=$(openssl pkey -in "$WORK/$h/tls/key.pem" -pubout | openssl sha256)
  [ "$a" = "$b" ] || fail "the key $h deployed does not match its certificate"
done
kf "$ex" show DeploymentTarget/web-tls --json >/dev/null
for h in "${hosts[@]}"; do
  [ "$(jq -r --arg h "$h" '.hosts[$h].serial' "$WORK/last.out" | tr a-f A-F)" = "$current" ] ||
    fail "the inventory does not list $h with the current serial"
  [ "$(jq -r --arg h "$h" '.hosts[$h].outcome' "$WORK/last.out")" = ok ] ||
    fail "the inventory does not list $h as ok"
done
grep -q '"error":"internal"' "$WORK/serve-b.out" "$WORK/serve-b.err" &&
  fail "replica B answered an internal error"

# A no-change long-poll ends with 304 when its wait runs out.
id="$WORK/web-s1/identity"
poll() {
  curl -sS --cacert "$WORK/root.pem" --cert "$id/agent.crt" --key "$id/agent.key" "$@"
}
rev=$(poll "$url_c/v1/targets" | jq -r .revision)
case "$rev" in r-*) ;; *) fail "the list has no revision: $rev" ;; esac
code=$(poll -o /dev/null -w '%{http_code}' "$url_c/v1/targets?since=$rev&wait=1")
[ "$code" = 304 ] || fail "an unchanged long-poll answered $code, not 304"
code=$(poll -o "$WORK/changed.json" -w '%{http_code}' "$url_c/v1/targets?since=r-0000&wait=50")
[ "$code" = 200 ] || fail "a long-poll with an old revision answered $code"

# The NOTIFY path: an agent that knows only replica C long-polls with a
# 50 s wait; a renewal applied by another process reaches it within 20 s.
token=$("$KEYFORM" -C "$ex" agent token --principal "$B" --host web-lp 2>>"$LOG")
agent_dir="$WORK/web-lp"
"$KEYFORM" agent enroll --server "$url_c" --token "$token" --server-ca "$WORK/root.pem" \
  --dir "$agent_dir" >>"$LOG" 2>&1 || fail "enrolling web-lp failed"
"$KEYFORM" --no-color agent run --dir "$agent_dir" --interval 50s >"$WORK/lp.out" 2>&1 &
lp_pid=$!
kill_on_exit "$lp_pid"
for _ in $(seq 200); do [ -s "$agent_dir/tls/cert.pem" ] && break; sleep 0.1; done
[ -s "$agent_dir/tls/cert.pem" ] || fail "the long-polling agent never deployed: $(cat "$WORK/lp.out")"
first=$(serial_of "$agent_dir/tls/cert.pem")
sleep 2  # it is parked now, on its 50 s wait
KEYFORM_NOW=$(days_from_now 140) kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'Secret/web-tls: rotated'
applied=$(date +%s)
woke=
while [ $(($(date +%s) - applied)) -lt 20 ]; do
  if [ "$(serial_of "$agent_dir/tls/cert.pem")" != "$first" ]; then woke=$(date +%s); break; fi
  sleep 0.2
done
cat "$WORK/lp.out" >>"$LOG"
[ -n "$woke" ] || fail "the renewal did not wake the parked long-poll within 20 s: $(cat "$WORK/lp.out")"
echo "the renewal reached the long-polling agent $((woke - applied)) s after the apply"
kf "$ex" show Certificate/web --json >/dev/null
[ "$(serial_of "$agent_dir/tls/cert.pem")" = "$(jq -r .attributes.serial "$WORK/last.out" | tr a-f A-F)" ] ||
  fail "the long-polling agent does not hold the current certificate"
echo "PASS"
