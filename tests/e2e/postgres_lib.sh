# A throwaway PostgreSQL server for the tests that need one: initdb into a
# temp directory, listening on 127.0.0.1 at a free port, stopped on exit.
#
#   source postgres_lib.sh
#   pg_start DIR           # data and socket under DIR (created)
#   psql_admin -c 'SQL'    # as the superuser "keyform_admin"
#   pg_stop                # also runs from the caller's EXIT trap via pg_stop_on_exit
#
# After pg_start: PG_PORT, PG_HOST (127.0.0.1), PG_ADMIN_DSN (a libpq URI for
# the superuser with password authentication over TCP), PG_BIN.
# Run as root, the server runs as the "postgres" system user (initdb refuses
# root); otherwise as the current user.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_HOST=127.0.0.1
PG_ADMIN=keyform_admin
PG_ADMIN_PASSWORD=admin-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')

_pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  [ -x "$PG_BIN/initdb" ] || { echo "postgres_lib: no PostgreSQL server binaries found" >&2; return 1; }
  PG_DIR=$1
  mkdir -p "$PG_DIR"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$PG_DIR"
    # Parent directories of a mktemp dir are 0700 root: let the server in.
    local d=$PG_DIR
    while [ "$d" != / ]; do d=$(dirname "$d"); [ -O "$d" ] && chmod o+x "$d" 2>/dev/null || true; done
  fi
  local pwfile="$PG_DIR/pw"
  printf '%s\n' "$PG_ADMIN_PASSWORD" >"$pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
  _pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U "$PG_ADMIN" --pwfile="$pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  rm -f "$pwfile"
  local tries
  for tries in 1 2 3 4 5; do
    PG_PORT=$(_pg_free_port)
    if _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
      -o "-c listen_addresses=$PG_HOST -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null; then
      PG_ADMIN_DSN="postgresql://$PG_ADMIN:$PG_ADMIN_PASSWORD@$PG_HOST:$PG_PORT/postgres"
      PG_SOCKET_DIR=$PG_DIR
      export PG_PORT PG_HOST PG_ADMIN_DSN PG_SOCKET_DIR
      return 0
    fi
  done
  cat "$PG_DIR/server.log" >&2
  return 1
}

psql_admin() {
  PGPASSWORD=$PG_ADMIN_PASSWORD "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" \
    -U "$PG_ADMIN" -d postgres "$@"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ] || return 0
  _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}
