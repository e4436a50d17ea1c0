# An agent deploying to a real nginx on its host: it writes the files with
# the owner and mode the target says, reloads nginx, and verify.tls proves
# nginx serves the new certificate; when a renewal's verification fails
# (the reload does not reach nginx), the agent puts the previous files back,
# reports the failure, and nginx keeps serving what it had.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/fleet_lib.sh"
source "$(dirname "$0")/nginx_lib.sh"
_agent_nginx_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
trap "nginx_stop; $_agent_nginx_trap" EXIT
fleet_example
B=account:444455556666/role:apache
host=$WORK/web-b1
PORT=$(free_port)
ADDR=127.0.0.1:$PORT

# nginx on the host serves what the agent writes below its --dir.
mkdir -p "$host/nginx/tls"
cat >"$host/nginx/nginx.conf" <<EOF
worker_processes 1;
pid nginx.pid;
error_log error.log notice;
daemon on;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  server {
    listen $ADDR ssl;
    server_name web.b.example;
    ssl_certificate tls/web.crt;
    ssl_certificate_key tls/web.key;
    return 200 "web\n";
  }
}
EOF
placeholder_cert "$host/nginx/tls" web
nginx_start "$host/nginx" nginx.conf

owner=
group=
if [ "$(id -u)" -eq 0 ]; then
  owner="owner: nobody, "
  group="group: $(id -gn), "
fi
cat >"$ex/web-direct.yaml" <<EOF
kind: ResourcePolicy
name: root-ca
spec:
  resource: CertificateAuthority/root
  statements:
    - sid: ApacheGetsCertificates
      effect: Allow
      principals: ["$B"]
      actions: [pki:GetCertificate]
---
kind: DeploymentTarget
name: web-nginx
spec:
  hosts: [web-b1]
  source: Certificate/web
  files:
    - {path: nginx/tls/web.crt, content: fullchain, ${owner}${group}mode: "0640"}
    - {path: nginx/tls/web.key, content: privateKey}
  reload:
    command: [$NGINX_BIN, -p, $host/nginx, -c, nginx.conf, -e, stderr, -s, reload]
  verify:
    tls: {address: "$ADDR", serverName: web.b.example, timeout: 5s}
EOF
kf "$ex" apply --auto-approve
expect_rc 0
start_serve "$ex"
agent enroll --server "$url" --token "$(token "$B" web-b1)" --server-ca "$WORK/root.pem" \
  --dir "$host"
expect_rc 0

# 1. Deployed, reloaded, verified: nginx serves the certificate.
agent run --once --dir "$host"
expect_rc 0
expect_output 'DeploymentTarget/web-nginx: deployed 2 file\(s\) of Certificate/web'
first=$(serial_of "$host/nginx/tls/web.crt")
serves "$ADDR" web.b.example "$first" || fail "nginx does not serve the deployed serial"
openssl verify -CAfile "$WORK/root.pem" "$host/nginx/tls/web.crt" >/dev/null ||
  fail "the deployed certificate does not verify"
[ "$(file_mode "$host/nginx/tls/web.key")" = 600 ] || fail "key mode $(file_mode "$host/nginx/tls/web.key")"
[ "$(file_mode "$host/nginx/tls/web.crt")" = 640 ] || fail "cert mode $(file_mode "$host/nginx/tls/web.crt")"
if [ -n "$owner" ]; then
  [ "$(stat -c %U "$host/nginx/tls/web.crt")" = nobody ] || fail "the owner is not nobody"
  [ "$(stat -c %G "$host/nginx/tls/web.crt")" = "$(id -gn)" ] || fail "the group is not set"
  [ "$(stat -c %U "$host/nginx/tls/web.key")" = "$(id -un)" ] || fail "the key's owner changed"
fi
kf "$ex" show DeploymentTarget/web-nginx
expect_output "web-b1 .*$B"
expect_output "deployed serial $(echo "$first" | tr 'A-F' 'a-f')"

# 2. A renewal whose reload never reaches nginx: verify.tls sees the old
# certificate, the agent restores the previous files and reports it.
cp "$ex/web-direct.yaml" "$WORK/web-direct.yaml"
sed -i 's|command: \[.*reload\]|command: [sh, -c, "true"]|' "$ex/web-direct.yaml"
cp "$host/nginx/tls/web.crt" "$WORK/before.crt"
cp "$host/nginx/tls/web.key" "$WORK/before.key"
KEYFORM_NOW=$(days_from_now 70) kf "$ex" apply --auto-approve
expect_rc 0
agent run --once --dir "$host"
expect_rc 1
expect_output 'DeploymentTarget/web-nginx: failed: .*verify.tls'
cmp -s "$host/nginx/tls/web.crt" "$WORK/before.crt" || fail "the previous certificate was not put back"
cmp -s "$host/nginx/tls/web.key" "$WORK/before.key" || fail "the previous key was not put back"
serves "$ADDR" web.b.example "$first" || fail "nginx no longer serves the previous certificate"
kf "$ex" show DeploymentTarget/web-nginx
expect_output 'failed at .*verify.tls'
expect_output "deployed serial $(echo "$first" | tr 'A-F' 'a-f')"

# 3. The reload mended: the next pass deploys the renewal and verifies it.
cp "$WORK/web-direct.yaml" "$ex/web-direct.yaml"
agent run --once --dir "$host"
expect_rc 0
renewed=$(serial_of "$host/nginx/tls/web.crt")
[ "$renewed" != "$first" ] || fail "the renewal was not deployed"
serves "$ADDR" web.b.example "$renewed" || fail "nginx does not serve the renewal"
