# Command-line habits a Terraform user expects: version, usage errors,
# "did you mean" for --target/--replace, a saved-plan hint that can be
# pasted, init and state surgery while the configuration is broken, and
# shell completion.
source "$(dirname "$0")/lib.sh"
local_only "reads the local backend's lock.json and state.json"
ex=$(use_example quickstart)

# version and --version: CMake's project(VERSION) and the state format.
want=$(sed -nE 's/^project\(keyform VERSION ([0-9.]+).*/\1/p' "$KEYFORM_SOURCE_DIR/CMakeLists.txt")
[ -n "$want" ] || fail "no project(VERSION) in CMakeLists.txt"
kf "$ex" version
expect_rc 0
[ "$(head -n 1 "$WORK/last.out")" = "keyform $want" ] || fail "version says $(head -n 1 "$WORK/last.out"), not keyform $want"
version_out=$(cat "$WORK/last.out")
kf "$ex" --version
expect_rc 0
[ "$(cat "$WORK/last.out")" = "$version_out" ] || fail "--version and version differ"
kf "$ex" version --json
expect_rc 0
[ "$(jq -r .version "$WORK/last.out")" = "$want" ] || fail "version --json has another version"
state_format=$(jq -r .state_format_version "$WORK/last.out")

# A command line keyform does not understand: exit 1, a usage error.
kf "$ex" plan --no-such-flag
expect_rc 1
expect_output '^keyform: usage error: .*--no-such-flag'
kf "$ex" nosuchcommand
expect_rc 1
expect_output '^keyform: usage error: '

# init needs only the Project: a broken resource file does not stop it.
printf 'kind: Certificate\nname: broken\nspec: {issuer: nowhere, bogus: 1}\n' >"$ex/broken.yaml"
kf "$ex" validate
expect_rc 1
kf "$ex" init
expect_rc 0
expect_output 'Initialised'
[ "$(tail -n +2 "$ex/.keyform/state.json" | jq -r .format_version)" = "$state_format" ] ||
  fail "the state's format_version is not the one keyform version prints ($state_format)"
expect_output 'root key' # and the key was made
grep -q "state format $state_format," <<<"$version_out" || fail "version does not print the state format"
rm "$ex/broken.yaml"

# A broken keyform.yaml still stops init: the Project is what it needs.
mkdir "$WORK/bad-project"
printf 'kind: Project\nname: quickstart\nspec: {acount: x}\n' >"$WORK/bad-project/keyform.yaml"
kf "$WORK/bad-project" init
expect_rc 1
expect_output '^keyform\.yaml:3:8: unknown field "acount" in spec \(did you mean "account"\?\)'
[ ! -e "$WORK/bad-project/.keyform" ] || fail "init made a state from a broken keyform.yaml"

kf "$ex" apply --auto-approve
expect_rc 0

# --target and --replace name the nearest address when one is misspelt.
kf "$ex" plan --target Certificate/wbe
expect_rc 1
expect_output '^keyform: error: --target Certificate/wbe: no such resource in the configuration or the state \(did you mean "Certificate/web"\?\)$'
kf "$ex" apply --auto-approve --replace certificate/web
expect_rc 1
expect_output '^keyform: error: --replace certificate/web: .*\(did you mean "Certificate/web"\?\)$'
kf "$ex" plan --replace Nothing/like-this
expect_rc 1
expect_output '^keyform: error: --replace Nothing/like-this: no such resource in the configuration or the state$'

# The saved-plan hint is a command that works from where plan ran: with -C.
cd "$WORK"
kf "$ex" plan --replace Certificate/web -o web.plan
expect_rc 0
expect_output "^Saved the plan to web\.plan\. Apply exactly it with: keyform -C $ex apply web\.plan$"
hint=$(sed -n 's/^Saved the plan to web\.plan\. Apply exactly it with: keyform //p' "$WORK/last.err")
# shellcheck disable=SC2086 # the hint is words to run, as a user pastes it
set +e
"$KEYFORM" --no-color $hint >"$WORK/hint.out" 2>&1 </dev/null
hint_rc=$?
set -e
[ "$hint_rc" -eq 0 ] || fail "the hinted command failed: $(cat "$WORK/hint.out")"
grep -Eq 'Apply complete. [0-9]+ succeeded, 0 failed' "$WORK/hint.out" || fail "the hinted command did not apply the plan"
# Without -C, none is added.
(cd "$ex" && "$KEYFORM" --no-color plan --replace Certificate/web -o in-dir.plan 2>"$WORK/in-dir.err" >/dev/null)
grep -qx 'Saved the plan to in-dir\.plan\. Apply exactly it with: keyform apply in-dir\.plan' "$WORK/in-dir.err" ||
  fail "hint without -C: $(cat "$WORK/in-dir.err")"
rm "$ex/in-dir.plan"

# state unlock, list and rm need only the Project: a stale lock is removed
# while the configuration is broken.
sed -i 's/^description: .*/description: changed/' "$ex/kms.yaml" # a change to ask about
hold_lock "$ex"
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
exec 3>&-
lock_id=$(jq -r .id "$ex/.keyform/lock.json")
[ -n "$lock_id" ] && [ "$lock_id" != null ] || fail "the killed apply left no lock.json"
printf 'kind: Certificate\nname: web\nspec: {issuer: root, commonName: x}\n' >"$ex/duplicate.yaml"
kf "$ex" plan
expect_rc 1
expect_output 'duplicate Certificate/web'
kf "$ex" state list
expect_rc 0
expect_output '^Certificate/web$'
kf "$ex" state unlock "$lock_id"
expect_rc 0
expect_output "^Removed lock $lock_id\.$"
[ ! -e "$ex/.keyform/lock.json" ] || fail "state unlock left lock.json"
rm "$ex/duplicate.yaml"
kf "$ex" apply --auto-approve
expect_rc 0
kf "$ex" plan --detailed-exitcode
expect_rc 0

# Completion: bash completes commands, flags, and recorded addresses.
kf "$ex" completion bash
expect_rc 0
cp "$WORK/last.out" "$WORK/completion.bash"
bash -n "$WORK/completion.bash" || fail "the completion script is not valid bash"
complete_words() { # WORDS...: what bash would offer for the last word
  bash -c '
    keyform() { "$KEYFORM" "$@"; }
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _keyform
    printf "%s\n" "${COMPREPLY[@]}"' completion "$WORK/completion.bash" "$@"
}
export KEYFORM
complete_words keyform pl | grep -qx plan || fail "completion: pl does not give plan"
[ "$(complete_words keyform state "" | sort | tr '\n' ' ')" = "list migrate rm unlock " ] ||
  fail "completion: state gives $(complete_words keyform state "" | tr '\n' ' ')"
complete_words keyform plan --ta | grep -qx -- --target || fail "completion: plan --ta"
complete_words keyform plan --detailed | grep -qx -- --detailed-exitcode || fail "completion: plan --detailed"
complete_words keyform plan --no-c | grep -qx -- --no-color || fail "completion: global flags after a command"
complete_words keyform drift --st | grep -qx -- --strict || fail "completion: drift --st"
complete_words keyform -C "$ex" plan --target Certificate/w | grep -qx Certificate/web ||
  fail "completion: --target does not offer recorded addresses"
[ -z "$(complete_words keyform plan --at "")" ] || fail "completion: a time was guessed"

# A misspelt command is named, with the command it was probably meant to be.
kf "$ex" aply --auto-approve
expect_rc 1
expect_output '^keyform: usage error: unknown command "aply" \(did you mean "apply"\?\)'
kf "$ex" --parallelism 2 stat list
expect_rc 1
expect_output 'unknown command "stat" \(did you mean "state"\?\)'
echo PASS
