# Helpers for the fleet's end-to-end tests (source after lib.sh).
#
#   start_serve DIR [NAME [LISTEN [TIME]]]
#       (re)starts keyform serve NAME (default "serve") for the project in
#       DIR, listening on LISTEN (default 127.0.0.1:0, a free port), its clock
#       at TIME (KEYFORM_NOW) when given; waits until it listens and sets
#       $url (also $serve_url) and $serve_pid. A serve of the same NAME still
#       running is stopped first. Output in $WORK/NAME.out and NAME.err.
#   stop_serve [NAME]   ends serve NAME (default: the one started last)
#   stop_serves         ends every serve started, and every process given to
#                       kill_on_exit PID (also done on exit)
#   fleet_example       the fleet example, initialised and applied: sets $ex,
#                       $WORK/root.pem (what agents check serve with) and
#                       $WORK/agents.pem (the CA of the agents' identities)
#   agent ARGS...       keyform agent, output to $LOG and $WORK/last.*; sets $rc
#   token PRINCIPAL HOST [ARGS...]
#                       prints a join token of the project in $ex

declare -A serve_pids=()
other_pids=()
serve_pid=
serve_last=

stop_serve() {
  local name=${1:-$serve_last} pid
  [ -n "$name" ] || return 0
  pid=${serve_pids[$name]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "serve_pids[$name]"
  [ "$pid" != "$serve_pid" ] || serve_pid=
}
kill_on_exit() { other_pids+=("$1"); }
stop_serves() {
  local name pid
  for pid in "${other_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for name in "${!serve_pids[@]}"; do stop_serve "$name"; done
}
_fleet_previous_trap=$(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")
trap "stop_serves; $_fleet_previous_trap" EXIT

start_serve() {
  local dir=$1 name=${2:-serve} listen=${3:-127.0.0.1:0} now=${4:-}
  stop_serve "$name"
  KEYFORM_NOW=$now "$KEYFORM" --no-color -C "$dir" serve --listen "$listen" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  serve_pid=$!
  serve_pids[$name]=$serve_pid
  serve_last=$name
  url=
  for _ in $(seq 200); do
    url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/$name.out" 2>/dev/null || true)
    if [ -n "$url" ]; then
      serve_url=$url
      return 0
    fi
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
  kf "$ex" show CertificateAuthority/agents --json >/dev/null
  jq -r .attributes.certificate_pem "$WORK/last.out" >"$WORK/agents.pem"
}

agent() {
  set +e
  "$KEYFORM" --no-color agent "$@" >"$WORK/last.out" 2>"$WORK/last.err" </dev/null
  rc=$?
  set -e
  cat "$WORK/last.out" "$WORK/last.err" | tee -a "$LOG"
}

token() { "$KEYFORM" -C "$ex" agent token --principal "$1" --host "$2" "${@:3}" 2>>"$LOG"; }
