# Helpers for the fleet tests (after lib.sh): keyform serve on a free
# loopback port, and the agent commands with their output in $LOG.

# start_serve DIR: starts keyform serve for the project in DIR; sets
# $serve_pid and $url (https://127.0.0.1:PORT); it is stopped on exit.
# Its output is in $WORK/serve.out and $WORK/serve.err.
serve_pid=
stop_serve() { [ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null || true; }
start_serve() {
  local previous_trap
  previous_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
  trap "stop_serve; $previous_trap" EXIT
  "$KEYFORM" --no-color -C "$1" serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.err" &
  serve_pid=$!
  url=
  for _ in $(seq 100); do
    url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/serve.out" 2>/dev/null || true)
    [ -n "$url" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || fail "serve exited: $(cat "$WORK/serve.err")"
    sleep 0.1
  done
  fail "serve never listened"
}

# agent ARGS...: keyform agent, output to $LOG; sets $rc.
agent() {
  set +e
  "$KEYFORM" --no-color agent "$@" >"$WORK/last.out" 2>"$WORK/last.err" </dev/null
  rc=$?
  set -e
  cat "$WORK/last.out" "$WORK/last.err" | tee -a "$LOG"
}
# token PRINCIPAL HOST [ARGS...]: a join token of the project in $ex.
token() { "$KEYFORM" -C "$ex" agent token --principal "$1" --host "$2" "${@:3}" 2>>"$LOG"; }
