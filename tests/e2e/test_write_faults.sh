# Writes that fail for real while apply records state or deploys files: a
# file size limit (RLIMIT_FSIZE, so writes fail with EFBIG) walked upwards
# until apply fits, a full file system (a small tmpfs, where mounting is
# allowed) and a directory that is a file. Tests run as root, so chmod would
# not deny anything. Each time: exit 1 with an error naming what could not
# be written and why, the state stays loadable, and a plain apply with room
# again finishes the work (check_quickstart_world).
source "$(dirname "$0")/lib.sh"

# faulty_apply DIR [ULIMIT_KB]: apply with the file size limit set (not on
# this shell). Output goes through a pipe, which the limit does not cover.
faulty_apply() {
  local dir=$1 limit=${2:-unlimited}
  set +e
  (
    trap '' XFSZ
    ulimit -f "$limit"
    exec "$KEYFORM" --no-color -C "$dir" apply --auto-approve </dev/null
  ) 2>&1 | cat >"$WORK/fault.out"
  rc=${PIPESTATUS[0]}
  set -e
  cat "$WORK/fault.out" >>"$LOG"
}

# after_fault DIR LABEL WHY: the failed run said what and why; the state
# loads; a plain apply finishes.
after_fault() {
  local ex=$1 label=$2 why=$3
  [ "$rc" -eq 1 ] || { cat "$WORK/fault.out"; fail "$label: expected exit 1, got $rc"; }
  grep -Eq "$why" "$WORK/fault.out" || { cat "$WORK/fault.out"; fail "$label: no '$why' in the error"; }
  grep -Eq "(/|\\.keyform|out)[^ ]*" "$WORK/fault.out" || fail "$label: the error names no path"
  kf "$ex" plan >/dev/null
  [ "$rc" -eq 0 ] || fail "$label: the state is not loadable after the failure"
  kf "$ex" apply --auto-approve >/dev/null
  expect_rc 0
  check_quickstart_world "$ex" "$label"
}

fresh() {
  rm -rf "$WORK/q"
  cp -r "$KEYFORM_SOURCE_DIR/examples/quickstart" "$WORK/q"
  rm -rf "$WORK/q/.keyform" "$WORK/q/out"
  kf "$WORK/q" init >/dev/null
  expect_rc 0
}

# 1. RLIMIT_FSIZE, in KiB, upwards until apply fits: every size at which a
# state, journal, object or deployed write is the one that fails.
failures=0
for kb in 1 2 3 4 5 6 8 10 12 16 20 24 32 48 64 96 128; do
  fresh
  faulty_apply "$WORK/q" "$kb"
  if [ "$rc" -eq 0 ]; then
    break
  fi
  after_fault "$WORK/q" "ulimit -f $kb" 'File too large'
  failures=$((failures + 1))
done
[ "$rc" -eq 0 ] || fail "apply never fit under the file size limits tried"
[ "$failures" -ge 3 ] || fail "only $failures file size limits failed a write"
echo "file size limit: $failures limits failed a write; each recovered"

# 2. A directory that is a file: a deployed file's directory, then the
# object store's fan-out directories.
fresh
mkdir -p "$WORK/q/out"
echo 'not a directory' >"$WORK/q/out/web"
faulty_apply "$WORK/q"
rm "$WORK/q/out/web"
after_fault "$WORK/q" "out/web is a file" 'out/web.*Not a directory|Not a directory.*out/web'

fresh
mkdir -p "$WORK/q/.keyform/objects"
for i in $(seq 0 255); do : >"$WORK/q/.keyform/objects/$(printf %02x "$i")"; done
faulty_apply "$WORK/q"
find "$WORK/q/.keyform/objects" -maxdepth 1 -type f -delete
after_fault "$WORK/q" "objects/xx are files" '\.keyform/objects.*(Not a directory|File exists)'
echo "directories that are files: both recovered"

# 3. A full file system: the state directory, then the deployed files, on a
# small tmpfs. Needs mount(2) (root with CAP_SYS_ADMIN); skipped without.
mounted=()
cleanup() {
  for m in "${mounted[@]}"; do umount "$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
probe="$WORK/probe"
mkdir -p "$probe"
if mount -t tmpfs -o size=64k tmpfs "$probe" 2>/dev/null; then
  umount "$probe"
  for where in .keyform out; do
    full=0
    for kb in 8 12 16 24 32 48 64 96 128 256; do
      rm -rf "$WORK/q"
      cp -r "$KEYFORM_SOURCE_DIR/examples/quickstart" "$WORK/q"
      rm -rf "$WORK/q/.keyform" "$WORK/q/out"
      mkdir -p "$WORK/q/$where"
      mount -t tmpfs -o "size=${kb}k,mode=0700" tmpfs "$WORK/q/$where"
      mounted+=("$WORK/q/$where")
      kf "$WORK/q" init >/dev/null
      if [ "$rc" -ne 0 ]; then
        # init itself did not fit: it must say so, and nothing more to check.
        expect_output 'No space left on device'
      else
        faulty_apply "$WORK/q"
        if [ "$rc" -eq 0 ]; then
          umount "$WORK/q/$where"
          break
        fi
        # Room again: the same files on a larger file system.
        cp -a "$WORK/q/$where" "$WORK/saved"
        umount "$WORK/q/$where"
        cp -a "$WORK/saved/." "$WORK/q/$where/"
        rm -rf "$WORK/saved"
        after_fault "$WORK/q" "$where full at ${kb}k" 'No space left on device'
        full=$((full + 1))
        continue
      fi
      umount "$WORK/q/$where"
    done
    [ "$full" -ge 1 ] || fail "$where on tmpfs: no size made a write fail"
    echo "full file system under $where: $full sizes failed a write; each recovered"
  done
else
  echo "SKIP: full file system (mount is not permitted here)"
fi
echo PASS
