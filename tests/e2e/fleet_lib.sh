# Helpers for the fleet's end-to-end tests (after lib.sh).
#
#   start_serve DIR NAME   # keyform serve on a free loopback port; sets
#                          # serve_url and serve_pid; output in $WORK/NAME.out/.err
#   stop_serves            # ends every serve started (also on EXIT)
#   fleet_example          # the fleet example, initialised and applied: sets
#                          # ex, and $WORK/root.pem (what agents check serve with)

serve_pids=()
stop_serves() {
  local p
  for p in "${serve_pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
_fleet_previous_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
trap "stop_serves; $_fleet_previous_trap" EXIT

start_serve() {
  local dir=$1 name=$2
  "$KEYFORM" --no-color -C "$dir" serve --listen 127.0.0.1:0 >"$WORK/$name.out" 2>"$WORK/$name.err" &
  serve_pid=$!
  serve_pids+=("$serve_pid")
  serve_url=
  for _ in $(seq 200); do
    serve_url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/$name.out" 2>/dev/null || true)
    [ -n "$serve_url" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || fail "serve $name exited: $(cat "$WORK/$name.err")"
    sleep 0.1
  done
  fail "serve $name never listened"
}

fleet_example() {
  ex=$(use_example fleet)
  init_and_apply "$ex"
  kf "$ex" show CertificateAuthority/root --json >/dev/null
  jq -r .attributes.certificate_pem "$WORK/last.out" >"$WORK/root.pem"
}
