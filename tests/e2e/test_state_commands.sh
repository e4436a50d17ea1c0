# state rm forgets an address without touching the world; state unlock
# refuses a live holder and clears a dead one's lock; graph and schema print
# what editors and Graphviz read.
source "$(dirname "$0")/lib.sh"
local_only "reads lock.json (tests/e2e/test_pg_lock.sh covers postgres)"
ex=$(use_example quickstart)
init_and_apply "$ex"

kf "$ex" state rm DeploymentTarget/trust
expect_rc 0
expect_output 'Removed DeploymentTarget/trust from the state'
[ -f "$ex/out/ca.pem" ] || fail "state rm touched a deployed file"
kf "$ex" state list
no_output 'DeploymentTarget/trust'
kf "$ex" plan --detailed-exitcode
expect_rc 2
expect_output 'create +DeploymentTarget/trust'
kf "$ex" state rm Certificate/nope
expect_rc 1
expect_output 'Certificate/nope is not in the state'

# A lock left by a process that is gone: state unlock clears it.
hold_lock "$ex"
lock_id=$(sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p' "$ex/.keyform/lock.json")
[ -n "$lock_id" ] || fail "no lock id in lock.json"
kf "$ex" state unlock "$lock_id"
expect_rc 1
expect_output 'held by a live process'
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
exec 3>&-
kf "$ex" state unlock "$lock_id"
expect_rc 0
[ ! -e "$ex/.keyform/lock.json" ] || fail "lock.json still there"
kf "$ex" apply --auto-approve
expect_rc 0

kf "$ex" graph
expect_rc 0
expect_output '^digraph keyform'
expect_output '"Certificate/web" -> "CertificateAuthority/root"'
kf "$ex" schema Certificate
expect_rc 0
expect_output '"\$schema"'
kf "$ex" schema Certficate
expect_rc 1
expect_output 'did you mean "Certificate"'
echo PASS
