# keyform serve for the fleet's end-to-end tests (source after lib.sh).
# start_serve DIR [LISTEN [TIME]]: (re)starts serve on the project in DIR,
# listening on LISTEN (default 127.0.0.1:0, a free port), its clock at TIME
# (KEYFORM_NOW) when given; waits until it listens and sets $url and
# $serve_pid. stop_serve ends it; it is stopped on exit.
serve_pid=
stop_serve() {
  [ -z "$serve_pid" ] || { kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
  serve_pid=
}
previous_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
trap "stop_serve; $previous_trap" EXIT
start_serve() {
  stop_serve
  KEYFORM_NOW=${3:-} "$KEYFORM" --no-color -C "$1" serve --listen "${2:-127.0.0.1:0}" \
    >"$WORK/serve.out" 2>"$WORK/serve.err" &
  serve_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/serve.out" 2>/dev/null || true)
    [ -n "$url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || fail "serve exited: $(cat "$WORK/serve.err")"
    sleep 0.1
  done
  [ -n "$url" ] || fail "serve never listened"
}
