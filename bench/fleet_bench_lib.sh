# Set-up shared by the fleet benchmarks (source it): a throwaway PostgreSQL
# on loopback, the fleet example copied to $ex and pointed at it, and
# start_replicas, which starts two keyform serve processes on free ports and
# sets urls (--server URL ...) and pids. Everything ends on exit.
#
#   KEYFORM   the keyform binary
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/keyform-fleet-bench-XXXXXX")
source "$here/../tests/e2e/postgres_lib.sh"
pids=()
urls=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
pg_start "$WORK/pg" >/dev/null
psql_admin -c "CREATE DATABASE keyform_bench" >/dev/null
export KEYFORM_BENCH_DSN="${PG_ADMIN_DSN%/postgres}/keyform_bench"
ex="$WORK/fleet"
cp -r "$here/../examples/fleet" "$ex"
rm -rf "$ex/.keyform"
sed -i 's|^spec:$|spec:\n  backend: {type: postgres, dsn: {env: KEYFORM_BENCH_DSN}}|' "$ex/keyform.yaml"

start_replicas() {
  local n url
  "$KEYFORM" -C "$ex" show CertificateAuthority/root --json | jq -r .attributes.certificate_pem \
    >"$WORK/root.pem"
  for n in a b; do
    "$KEYFORM" -C "$ex" serve --listen 127.0.0.1:0 >"$WORK/serve-$n.out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do
      url=$(grep -o 'https://127\.0\.0\.1:[0-9]*' "$WORK/serve-$n.out" || true)
      [ -n "$url" ] && break
      sleep 0.1
    done
    [ -n "$url" ] || { cat "$WORK/serve-$n.out" >&2; exit 1; }
    urls+=(--server "$url")
  done
}
