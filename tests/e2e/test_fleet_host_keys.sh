# privateKey.generatedOn: host: the agent makes the certificate's key on its
# host and sends a CSR; serve issues that host its own certificate with the
# names of the config. After deployment the key matches the certificate,
# which verifies against the CA; no trace of the key is in the state, the
# PostgreSQL dump, serve's output or the audit log; a CSR for other names or
# another agent's identity is refused clearly and changes nothing; a plan
# has no changes; KEYFORM_NOW past renewBefore makes the agent renew;
# agent revoke puts the host's certificates into their issuer's CRL.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
ex=$(use_example fleet)
B=account:444455556666/role:apache
C=account:777788889999/role:apache

cat >"$ex/host-keys.yaml" <<'EOF'
kind: Certificate
name: web-host
spec:
  issuer: root
  template: EndEntityServerAuthCertificate
  commonName: web.b.example
  dnsNames: [web.b.example]
  validity: 90d
  renewBefore: 30d
  privateKey: {generatedOn: host}
---
kind: DeploymentTarget
name: web-host-tls
spec:
  hosts: [web-*]
  source: Certificate/web-host
  files:
    - {path: host-tls/cert.pem, content: certificate, mode: "0644"}
    - {path: host-tls/chain.pem, content: chain, mode: "0644"}
    - {path: host-tls/fullchain.pem, content: fullchain, mode: "0644"}
    - {path: host-tls/key.pem, content: privateKey}
    - {path: host-tls/key.der, content: privateKey, format: der}
  reload:
    command: [sh, -c, "date >> host-reloads.log"]
---
kind: ResourcePolicy
name: root-ca
spec:
  resource: CertificateAuthority/root
  statements:
    - sid: ApacheGetsCertificates
      effect: Allow
      principals: ["account:444455556666/role:apache"]
      actions: [pki:GetCertificate]
EOF

# Validation: a bad value, a target without hosts, a Secret bundling it.
sed 's/generatedOn: host/generatedOn: laptop/' "$ex/host-keys.yaml" >"$WORK/bad.yaml"
mv "$ex/host-keys.yaml" "$WORK/host-keys.yaml"
cp "$WORK/bad.yaml" "$ex/host-keys.yaml"
kf "$ex" validate
expect_rc 1
expect_output 'host-keys.yaml:10:[0-9]+: .*generatedOn.*(keyform|host)'
cp "$WORK/host-keys.yaml" "$ex/host-keys.yaml"
cat >"$ex/bad-users.yaml" <<'EOF'
kind: DeploymentTarget
name: local-copy
spec:
  source: Certificate/web-host
  files:
    - {path: out/web-host.pem, content: certificate}
---
kind: Secret
name: web-host-bundle
spec:
  value: {certificate: web-host}
EOF
kf "$ex" validate
expect_rc 1
expect_output 'bad-users.yaml:4:[0-9]+: .*Certificate/web-host makes its key on each host.*DeploymentTarget/local-copy has no hosts'
expect_output 'bad-users.yaml:[0-9]+:[0-9]+: .*Certificate/web-host makes its key on each host.*Secret/web-host-bundle cannot bundle it'
rm "$ex/bad-users.yaml"

# The root keeps a CRL, so revoking a host's certificates is seen there.
sed -i '/commonName: Fleet Example Root CA/a\  crl: {enabled: true}' "$ex/pki.yaml"
init_and_apply "$ex"
# apply made no key and issued no certificate; the plan says who does.
kf "$ex" show --json >/dev/null
jq -e '[.resources[] | select(.kind == "Certificate" and .name == "web-host")] | length == 0' \
  "$WORK/last.out" >/dev/null || fail "apply recorded Certificate/web-host"
kf "$ex" plan --detailed-exitcode
expect_rc 0
expect_output 'agents +Certificate/web-host'
expect_output 'issued to each host of DeploymentTarget/web-host-tls \(hosts web-\*\) on request'

kf "$ex" show CertificateAuthority/root --json >/dev/null
jq -r .attributes.certificate_pem "$WORK/last.out" >"$WORK/root.pem"

start_serve "$ex"
agent enroll --server "$url" --token "$(token "$B" web-b1)" --server-ca "$WORK/root.pem" --dir "$WORK/b"
expect_rc 0
agent enroll --server "$url" --token "$(token "$C" web-c1)" --server-ca "$WORK/root.pem" --dir "$WORK/c"
expect_rc 0

# b makes its key, gets its certificate, writes the files.
agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-host-tls: new certificate serial [0-9a-f]+ for a new key made on this host'
expect_output 'DeploymentTarget/web-host-tls: deployed 5 file\(s\) of Certificate/web-host'
d="$WORK/b/host-tls"
openssl verify -CAfile "$WORK/root.pem" "$d/cert.pem" >/dev/null || fail "the host certificate does not verify"
openssl verify -CAfile "$WORK/root.pem" -untrusted "$d/chain.pem" "$d/fullchain.pem" >/dev/null ||
  fail "the full chain does not verify"
a=$(openssl x509 -in "$d/cert.pem" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$d/key.pem" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "the deployed key does not match the certificate"
cmp -s <(openssl pkey -in "$d/key.der" -inform DER) <(openssl pkey -in "$d/key.pem") ||
  fail "the DER key is not the PEM key"
cmp -s "$d/key.pem" "$WORK/b/keys/web-host-tls.key" || fail "the deployed key is not the held key"
[ "$(file_mode "$d/key.pem")" = 600 ] || fail "the deployed key is not 0600"
[ "$(file_mode "$WORK/b/keys/web-host-tls.key")" = 600 ] || fail "the held key is not 0600"
[ "$(file_mode "$WORK/b/keys")" = 700 ] || fail "DIR/keys is not 0700"
openssl x509 -in "$d/cert.pem" -noout -subject | grep -q 'CN *= *web.b.example' || fail "wrong subject"
openssl x509 -in "$d/cert.pem" -noout -ext subjectAltName | grep -q 'DNS:web.b.example' ||
  fail "the certificate lacks the spec's DNS name"
openssl x509 -in "$d/cert.pem" -noout -ext extendedKeyUsage | grep -q 'TLS Web Server Authentication' ||
  fail "the certificate is not of the spec's template"
[ -s "$WORK/b/host-reloads.log" ] || fail "the reload command did not run"
serial=$(serial_of "$d/cert.pem")
cp "$d/key.pem" "$WORK/first-key.pem"

# The inventory and the issuance record list web-b1's serial.
kf "$ex" show DeploymentTarget/web-host-tls --json >/dev/null
[ "$(jq -r '.hosts["web-b1"].serial' "$WORK/last.out" | tr a-f A-F)" = "$serial" ] ||
  fail "show does not list the serial web-b1 deployed"
kf "$ex" show FleetCertificate/web-host-tls --json >/dev/null
[ "$(jq -r '.attributes.hosts["web-b1"].serial' "$WORK/last.out" | tr a-f A-F)" = "$serial" ] ||
  fail "FleetCertificate/web-host-tls does not record web-b1's serial"
kf "$ex" audit --json >/dev/null
jq -e --arg p "$B" '[.[] | select(.principal == $p and .outcome == "ok"
        and .action == "fleet:IssueHostCertificate" and .resource == "Certificate/web-host")] | length == 1' \
  "$WORK/last.out" >/dev/null || fail "the issuance is not audited"

# The next pass keeps the key and the certificate.
agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-host-tls: up to date'
no_output 'new certificate'
[ "$(serial_of "$d/cert.pem")" = "$serial" ] || fail "an up-to-date pass changed the certificate"

# c's account may not get certificates of root: refused, audited, nothing written.
agent run --dir "$WORK/c" --once
expect_rc 1
expect_output "DeploymentTarget/web-host-tls: refused: 403 denied: $C cannot deploy Certificate/web-host: it lacks pki:GetCertificate"
[ ! -e "$WORK/c/host-tls" ] && [ ! -e "$WORK/c/keys" ] || fail "a refused agent wrote files or a key"

# CSRs asking for other names, or for another agent's identity: refused, the state unchanged.
before=$(state_fingerprint "$ex")
post_csr() {
  jq -n --rawfile csr "$1" '{csr: $csr}' >"$WORK/csr.json"
  curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$WORK/root.pem" \
    --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" \
    -X POST --data-binary @"$WORK/csr.json" "$url/v1/targets/web-host-tls/certificate" || true
}
openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/probe.key" 2>/dev/null
openssl req -new -key "$WORK/probe.key" -subj /CN=bank.example -out "$WORK/other-names.csr"
[ "$(post_csr "$WORK/other-names.csr")" = 400 ] || fail "a CSR for other names was not refused with 400"
jq -e '.error == "csr_names_mismatch"' "$WORK/body" >/dev/null || fail "no csr_names_mismatch: $(cat "$WORK/body")"
jq -r .message "$WORK/body" | grep -q 'CN=bank.example' || fail "the refusal does not say what was asked"
openssl req -new -key "$WORK/probe.key" -subj /CN=web.b.example \
  -addext "subjectAltName=DNS:web.b.example,DNS:mail.b.example" -out "$WORK/extra-name.csr"
[ "$(post_csr "$WORK/extra-name.csr")" = 400 ] || fail "a CSR with an extra name was not refused"
openssl req -new -key "$WORK/probe.key" -subj /CN=web.b.example \
  -addext "subjectAltName=URI:keyform://account/777788889999/role/apache/host/web-c1" \
  -out "$WORK/other-agent.csr"
[ "$(post_csr "$WORK/other-agent.csr")" = 403 ] || fail "a CSR for another agent was not refused with 403"
jq -e '.error == "csr_identity_mismatch"' "$WORK/body" >/dev/null ||
  fail "no csr_identity_mismatch: $(cat "$WORK/body")"
openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/rsa.key" -subj /CN=web.b.example -out "$WORK/rsa.csr" 2>/dev/null
[ "$(post_csr "$WORK/rsa.csr")" = 400 ] || fail "a CSR with another key algorithm was not refused"
jq -e '.error == "wrong_key_algorithm"' "$WORK/body" >/dev/null || fail "no wrong_key_algorithm"
printf -- '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' >"$WORK/bad.csr"
[ "$(post_csr "$WORK/bad.csr")" = 400 ] || fail "a malformed CSR was not refused"
jq -e '.error == "invalid_csr"' "$WORK/body" >/dev/null || fail "no invalid_csr: $(cat "$WORK/body")"
openssl req -new -key "$WORK/probe.key" -subj /CN=web.b.example -out "$WORK/fitting.csr"
jq -n --rawfile csr "$WORK/fitting.csr" '{csr: $csr}' >"$WORK/csr.json"
[ "$(curl -s -o "$WORK/body" -w '%{http_code}' --cacert "$WORK/root.pem" \
  --cert "$WORK/b/identity/agent.crt" --key "$WORK/b/identity/agent.key" \
  -X POST --data-binary @"$WORK/csr.json" "$url/v1/targets/web-tls/certificate")" = 409 ] ||
  fail "a CSR for a centrally keyed target was not refused"
jq -e '.error == "not_host_generated"' "$WORK/body" >/dev/null || fail "no not_host_generated"
[ "$(state_fingerprint "$ex")" = "$before" ] || fail "a refused CSR changed the state"
kf "$ex" audit --json >/dev/null
jq -e '[.[] | select(.action == "fleet:IssueHostCertificate" and .outcome == "denied")
        | select(.detail | test("csr_identity_mismatch"))] | length == 1' "$WORK/last.out" >/dev/null ||
  fail "the refused CSR for another agent is not audited"

kf "$ex" plan --detailed-exitcode
expect_rc 0

# Past renewBefore by the agent's clock: a new key and a new certificate.
KEYFORM_NOW=$(days_from_now 70) agent run --dir "$WORK/b" --once
expect_rc 0
expect_output 'DeploymentTarget/web-host-tls: new certificate serial [0-9a-f]+ for a new key made on this host \(renewal due: expires in'
renewed=$(serial_of "$d/cert.pem")
[ "$renewed" != "$serial" ] || fail "the agent did not renew"
cmp -s "$d/key.pem" "$WORK/first-key.pem" && fail "the renewal kept the key (rotationPolicy Always)"
a=$(openssl x509 -in "$d/cert.pem" -noout -pubkey | openssl sha256)
b=$(openssl pkey -in "$d/key.pem" -pubout | openssl sha256)
[ "$a" = "$b" ] || fail "the renewed certificate is not for the new key"
openssl verify -CAfile "$WORK/root.pem" "$d/cert.pem" >/dev/null || fail "the renewed certificate does not verify"
kf "$ex" show DeploymentTarget/web-host-tls --json >/dev/null
[ "$(jq -r '.hosts["web-b1"].serial' "$WORK/last.out" | tr a-f A-F)" = "$renewed" ] ||
  fail "show does not list the renewed serial for web-b1"
kf "$ex" plan --detailed-exitcode
expect_rc 0

# agent revoke cuts off the host's certificates too: the renewed one and
# the one it replaced (both still valid) go into root's CRL.
kf "$ex" agent revoke web-b1 --reason keyCompromise
expect_rc 0
expect_output "Revoked its certificate Certificate/web-host serial $(echo "$renewed" | tr A-F a-f) \(CertificateAuthority/root\)"
expect_output "Revoked its certificate Certificate/web-host serial $(echo "$serial" | tr A-F a-f) \(CertificateAuthority/root\)"
kf "$ex" show CertificateAuthority/root --json >/dev/null
jq -r .attributes.crl.pem "$WORK/last.out" >"$WORK/root.crl"
openssl crl -in "$WORK/root.crl" -noout -text >"$WORK/root-crl.txt"
for s in "$serial" "$renewed"; do
  grep -qi "Serial Number: $s" "$WORK/root-crl.txt" || fail "root's CRL does not list $s"
done
grep -q 'Key Compromise' "$WORK/root-crl.txt" || fail "the CRL does not give the reason"
openssl verify -crl_check -CAfile "$WORK/root.pem" -CRLfile "$WORK/root.crl" "$d/cert.pem" \
  >"$WORK/verify.out" 2>&1 && fail "the revoked host certificate still verifies with the CRL"
grep -q 'certificate revoked' "$WORK/verify.out" || fail "not refused as revoked: $(cat "$WORK/verify.out")"
kf "$ex" show FleetCertificate/web-host-tls --json >/dev/null
jq -e '.attributes.hosts["web-b1"].revoked' "$WORK/last.out" >/dev/null ||
  fail "FleetCertificate/web-host-tls does not mark web-b1's certificates revoked"
kf "$ex" drift
expect_rc 2
expect_output "DeploymentTarget/web-host-tls"
expect_output "host web-b1 serves certificate serial $(echo "$renewed" | tr A-F a-f), revoked at"

# No trace of either key anywhere central: the PEM lines, the DER as hex
# and base64, the private scalar.
stop_serve
kf "$ex" show --json >/dev/null
cp "$WORK/last.out" "$WORK/scan-state.json"
kf "$ex" audit --json >/dev/null
cp "$WORK/last.out" "$WORK/scan-audit.json"
scan=("$WORK/scan-state.json" "$WORK/scan-audit.json" "$WORK/serve.out" "$WORK/serve.err" "$LOG")
if [ "$KEYFORM_E2E_BACKEND" = postgres ]; then
  PGPASSWORD=$PG_ADMIN_PASSWORD "$PG_BIN/pg_dump" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ADMIN" \
    -d keyform_e2e >"$WORK/dump.sql"
  grep -q 'FleetCertificate' "$WORK/dump.sql" || fail "the dump is not of the test's state"
  scan+=("$WORK/dump.sql")
else
  while IFS= read -r f; do scan+=("$f"); done < <(find "$ex/.keyform" -type f)
fi
for key in "$WORK/first-key.pem" "$d/key.pem"; do
  der_hex=$(openssl pkey -in "$key" -outform DER | od -An -tx1 | tr -d ' \n')
  der_b64=$(openssl pkey -in "$key" -outform DER | base64 -w0)
  scalar=$(openssl pkey -in "$key" -noout -text | sed -n '/^priv:/,/^pub:/{/^priv:/d;/^pub:/d;p}' |
    tr -d ' :\n')
  scalar=${scalar: -64}
  [ ${#scalar} -eq 64 ] || fail "cannot read the private scalar of $key"
  for f in "${scan[@]}"; do
    grep -aq 'PRIVATE KEY' "$f" && fail "key material in $f"
    while IFS= read -r line; do
      case "$line" in -----*) continue ;; esac
      grep -aqF "$line" "$f" && fail "a line of the host key in $f"
    done <"$key"
    grep -aqiF "$der_hex" "$f" && fail "the host key's DER (hex) in $f"
    grep -aqF "${der_b64:0:64}" "$f" && fail "the host key's DER (base64) in $f"
    grep -aqiF "$scalar" "$f" && fail "the host key's private scalar in $f"
  done
done
echo PASS
