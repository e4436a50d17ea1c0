# keyform drift reports what moved on disk and in time; apply repairs it.
source "$(dirname "$0")/lib.sh"
local_only "damages object files under .keyform/objects"
ex=$(use_example quickstart)
init_and_apply "$ex"

kf "$ex" drift
expect_rc 0
expect_output 'No drift'

# A changed certificate file.
echo "tampered" >>"$ex/out/web/cert.pem"
kf "$ex" drift
expect_rc 2
expect_output '^DeploymentTarget/web: MODIFIED'
expect_output 'out/web/cert.pem was changed'

# A deleted file, and a key made world-readable.
rm "$ex/out/ca.pem"
chmod 0644 "$ex/out/web/key.pem"
kf "$ex" drift
expect_rc 2
expect_output '^DeploymentTarget/trust: DELETED'
expect_output 'out/ca.pem is missing'
expect_output 'out/web/key.pem has mode 0644, expected 0600'

# Another certificate swapped in, and a replaced key (compared with the
# sealed one, never printed).
cp "$ex/out/web/cert.pem" "$ex/out/api-client/cert.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$ex/out/api-client/key.pem" 2>/dev/null
chmod 0600 "$ex/out/api-client/key.pem"
kf "$ex" drift
expect_rc 2
expect_output '^DeploymentTarget/api-client: MODIFIED'
expect_output 'out/api-client/cert.pem was changed'
expect_output 'out/api-client/key.pem was changed'

# JSON and markdown.
kf "$ex" drift --json
expect_rc 2
python3 - "$WORK/last.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 1, d
assert d["drifted"] is True
by = {e["address"]: e for e in d["entries"]}
assert by["DeploymentTarget/trust"]["status"] == "DELETED", by
assert by["DeploymentTarget/web"]["status"] == "MODIFIED", by
assert by["Certificate/web"]["status"] == "IN_SYNC", by
assert all(set(e) == {"address", "kind", "status", "details"} for e in d["entries"])
PY
kf "$ex" drift --markdown
expect_rc 2
expect_output '^\| DELETED \| 1 \|$'
expect_output '^\| `DeploymentTarget/web` \| MODIFIED \| .*out/web/cert.pem was changed'

# Time: past the certificates' expiry.
KEYFORM_NOW=$(days_from_now 100) kf "$ex" drift
expect_rc 2
expect_output '^Certificate/web: MODIFIED'
expect_output 'expired [0-9]+d'

# The plan alone does not observe; apply does, and repairs.
kf "$ex" plan
expect_rc 0
no_output 'repair'
kf "$ex" apply --auto-approve
expect_rc 0
expect_output 'repair +DeploymentTarget/web'
expect_output 'repair +DeploymentTarget/trust'
expect_output 'repair +DeploymentTarget/api-client'
expect_output 'out/ca.pem is missing'
expect_output 'Plan: 0 to create, 3 to repair, 0 to delete'
[ -f "$ex/out/ca.pem" ] || fail "ca.pem was not restored"
[ "$(file_mode "$ex/out/web/key.pem")" = 600 ] || fail "key.pem mode not restored"
openssl x509 -in "$ex/out/web/cert.pem" -noout || fail "cert.pem is not a certificate again"
kf "$ex" drift
expect_rc 0
expect_output 'No drift'

# A sealed key that fails authentication (another object's bytes in its place).
object_path() {
  kf "$ex" show "$1" --json >/dev/null
  local id
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"]["privateKey"])' "$WORK/last.out")
  echo "$ex/.keyform/objects/${id:0:2}/$id"
}
web_key=$(object_path Certificate/web)
client_key=$(object_path Certificate/api-client)
cp -p "$web_key" "$WORK/web_key.bak"
chmod u+w "$web_key"
cat "$client_key" >"$web_key"
kf "$ex" drift
expect_rc 2
expect_output '^Certificate/web: MODIFIED'
expect_output 'the sealed private key cannot be opened: object [0-9a-f]+ failed authentication'
cp -p "$WORK/web_key.bak" "$web_key"
kf "$ex" drift
expect_rc 0

# Without the root key, key checks are NOT_CHECKED, not errors.
# The summary says how many and why rather than "No drift."; --strict
# makes them fail the run.
mv "$ex/.keyform/root.key" "$WORK/root.key"
kf "$ex" drift
expect_rc 0
expect_output 'out/web/key.pem not compared: no root key available'
expect_output '^No drift in what was checked\. Drift: 0 modified, 0 deleted, [0-9]+ in sync, [1-9][0-9]* not checked\.$'
expect_output '^[1-9][0-9]* not checked: no root key available \([1-9][0-9]*\)'
no_output '^No drift\. '
kf "$ex" drift --strict
expect_rc 2
kf "$ex" drift --strict --json
expect_rc 2
jq -e '.drifted == false and .summary.NOT_CHECKED > 0 and
       (.not_checked_reasons | map(.reason) | index("no root key available")) != null' \
  "$WORK/last.out" >/dev/null || fail "drift --json does not give the reasons for NOT_CHECKED"
mv "$WORK/root.key" "$ex/.keyform/root.key"
kf "$ex" drift --strict
expect_rc 0
expect_output '^No drift\. Drift: 0 modified, 0 deleted, [0-9]+ in sync, 0 not checked\.$'

if grep -q "PRIVATE KEY" "$LOG"; then fail "secret material was printed"; fi
echo PASS
