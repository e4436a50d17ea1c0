# A throwaway nginx for the deployment tests: its own master process in a
# prefix directory, listening on a free 127.0.0.1 port, stopped on exit.
#
#   source nginx_lib.sh
#   nginx_start PREFIX CONF   # CONF relative to PREFIX; sets NGINX_PREFIX, NGINX_CONF
#   nginx_ctl ARGS...         # nginx -p PREFIX -c CONF -e stderr ARGS
#   nginx_stop                # call it from the EXIT trap
#   free_port                 # a free TCP port on 127.0.0.1
#
# Run as root, nginx would switch its workers to "nobody"; the config gets a
# `user` line for the current user instead, so nothing below the 0700 temp
# directory has to be opened up.

NGINX_BIN=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nginx_ctl() {
  "$NGINX_BIN" -p "$NGINX_PREFIX" -c "$NGINX_CONF" -e stderr "$@"
}

nginx_start() {
  [ -x "$NGINX_BIN" ] || { echo "nginx_lib: nginx is not installed (scripts/setup.sh)" >&2; return 1; }
  NGINX_PREFIX=$1
  NGINX_CONF=$2
  mkdir -p "$NGINX_PREFIX/tmp"
  if [ "$(id -u)" -eq 0 ] && ! grep -q '^user ' "$NGINX_PREFIX/$NGINX_CONF"; then
    sed -i "1i user $(id -un) $(id -gn);" "$NGINX_PREFIX/$NGINX_CONF"
  fi
  nginx_ctl || { cat "$NGINX_PREFIX/error.log" >&2 2>/dev/null; return 1; }
}

nginx_stop() {
  [ -n "${NGINX_PREFIX:-}" ] && [ -f "$NGINX_PREFIX/nginx.pid" ] || return 0
  local pid
  pid=$(cat "$NGINX_PREFIX/nginx.pid")
  nginx_ctl -s stop 2>/dev/null || kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# The serial (upper-case hex, as openssl prints it) that host:port serves for SNI name.
served_serial() {
  openssl s_client -connect "$1" -servername "$2" </dev/null 2>/dev/null |
    openssl x509 -noout -serial | cut -d= -f2
}

# A self-signed placeholder certificate and key: placeholder_cert DIR NAME
placeholder_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=placeholder" -keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}

# serves ADDR NAME SERIAL: true once ADDR serves SERIAL for SNI NAME three
# handshakes in a row, within 10 s. After a reload nginx's old workers
# finish their connections and may still answer a few handshakes with the
# previous certificate, so one handshake proves nothing either way.
serves() {
  local streak=0
  for _ in $(seq 100); do
    if [ "$(served_serial "$1" "$2")" = "$3" ]; then
      streak=$((streak + 1))
      [ "$streak" -ge 3 ] && return 0
    else
      streak=0
      sleep 0.1
    fi
  done
  return 1
}
