# GitOps with real git repositories made here: --rev at a branch head vs at
# main, apply records the commit, refuses a rollback and a dirty working tree
# unless told, --rev from a bare clone, saved plans carry the commit, the
# JSON plan and the DOT graph parse, and bad revisions are clear errors.
source "$(dirname "$0")/lib.sh"
local_only "checks where the local backend's directory lands for --rev and bare clones"
command -v git >/dev/null || fail "git is not installed (scripts/setup.sh installs it)"
export GIT_AUTHOR_NAME="Ada Lovelace" GIT_AUTHOR_EMAIL=ada@example.org
export GIT_COMMITTER_NAME="Ada Lovelace" GIT_COMMITTER_EMAIL=ada@example.org
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

# The config lives in infra/ of the repository, beside other files.
repo="$WORK/repo"
mkdir -p "$repo"
cp -r "$(use_example quickstart)" "$repo/infra"
ex="$repo/infra"
g() { git -C "$repo" "$@"; }
g init -q -b main
printf 'out/\n' >"$ex/.gitignore"
echo "# not config" >"$repo/README.md"
g add -A
g commit -qm "quickstart"
main1=$(g rev-parse HEAD)

# A branch adds a certificate; the working tree stays on main.
g checkout -qb feature
cat >>"$ex/certificates.yaml" <<'EOF'
---
kind: Certificate
name: branch-only
spec:
  issuer: root
  template: EndEntityClientAuthCertificate
  commonName: branch-only
  keyAlgorithm: EC_prime256v1
  validity: 30d
EOF
g commit -qam "add branch-only"
feature=$(g rev-parse HEAD)
g checkout -q main

init_and_apply "$ex"
kf "$ex" show --json
expect_rc 0
jq -e --arg c "$main1" '.git_commit == $c and .git_author == "Ada Lovelace <ada@example.org>"
  and .git_commit_time > 0 and .git_dirty == false' "$WORK/last.out" >/dev/null \
  || fail "apply did not record commit $main1 with its author and time"
kf "$ex" show
expect_output "Last applied commit $main1 by Ada Lovelace"

# Plan at the branch head vs at main: only the branch creates branch-only.
kf "$ex" --rev feature plan --json
expect_rc 0
cp "$WORK/last.out" "$WORK/feature.json"
jq -e '.actions[] | select(.address == "Certificate/branch-only" and .action == "create")' \
  "$WORK/feature.json" >/dev/null || fail "plan at feature does not create Certificate/branch-only"
kf "$ex" --rev main plan --detailed-exitcode
expect_rc 0
expect_output 'No changes'
[ -z "$(g status --porcelain)" ] || fail "--rev touched the working tree: $(g status --porcelain)"
[ "$(g rev-parse --abbrev-ref HEAD)" = main ] || fail "--rev moved HEAD"

# The JSON plan: required keys, and before/after of a created and a kept resource.
jq -e '.format_version == 1 and (.lineage | type) == "string" and (.serial | type) == "number"
  and (.now | type) == "string" and (.has_changes == true) and (.errors | type) == "array"
  and (.summary.create == 1)
  and all(.actions[]; has("id") and has("address") and has("kind") and has("name")
          and has("action") and has("reasons") and has("after") and has("change"))' \
  "$WORK/feature.json" >/dev/null || fail "plan --json lacks required keys"
jq -e '.actions[] | select(.address == "Certificate/branch-only")
  | .change.before == null and .change.after.spec.commonName == "branch-only"' \
  "$WORK/feature.json" >/dev/null || fail "a created resource has no before/after"
jq -e '.actions[] | select(.address == "Certificate/web")
  | (.change.before.attributes.serial | length) > 0 and .change.after.spec.validity == "90d"' \
  "$WORK/feature.json" >/dev/null || fail "a recorded resource lacks its recorded attributes"

# Apply the branch: it descends from main, so it is no rollback.
kf "$ex" --rev feature apply --auto-approve
expect_rc 0
expect_output "Recorded commit ${feature:0:7} as applied"
kf "$ex" show --json
jq -e --arg c "$feature" '.git_commit == $c' "$WORK/last.out" >/dev/null \
  || fail "apply --rev feature did not record $feature"

# Back to main (an ancestor of feature): a rollback, refused, nothing changed.
kf "$ex" apply --auto-approve
expect_rc 1
expect_output "would roll back from ${feature:0:7} to ${main1:0:7}"
kf "$ex" show --json
jq -e '.resources | has("Certificate/branch-only")' "$WORK/last.out" >/dev/null \
  || fail "a refused rollback changed the state"
kf "$ex" apply --auto-approve --allow-rollback
expect_rc 0
expect_output 'allowed by --allow-rollback'
kf "$ex" show --json
jq -e --arg c "$main1" '.git_commit == $c and (.resources | has("Certificate/branch-only") | not)' \
  "$WORK/last.out" >/dev/null || fail "--allow-rollback did not apply and record main"

# A dirty working tree: refused, then allowed and recorded as dirty.
sed -i 's/validity: 90d/validity: 60d/' "$ex/certificates.yaml"
kf "$ex" apply --auto-approve
expect_rc 1
expect_output 'uncommitted changes \(certificates.yaml\)'
expect_output 'pass --allow-dirty'
kf "$ex" apply --auto-approve --allow-dirty
expect_rc 0
kf "$ex" show --json
jq -e --arg c "$main1" '.git_commit == $c and .git_dirty == true' "$WORK/last.out" >/dev/null \
  || fail "--allow-dirty did not record HEAD as dirty"
g commit -qam "shorter validity"
main2=$(g rev-parse HEAD)
echo "more words" >>"$repo/README.md" # not config: not dirty
kf "$ex" apply --auto-approve
expect_rc 0
expect_output "Recorded commit ${main2:0:7} as applied"
g checkout -q README.md

# A saved plan carries the commit; applied from another commit it is stale.
kf "$ex" plan --replace Certificate/web -o "$WORK/p1"
expect_rc 0
jq -e --arg c "$main2" '.config_commit.sha == $c and .config_commit.dirty == false' "$WORK/p1" \
  >/dev/null || fail "the saved plan does not carry commit $main2"
g commit -q --allow-empty -m "nothing to the config"
kf "$ex" apply "$WORK/p1"
expect_rc 1
expect_output "saved plan is stale: it was made from commit ${main2:0:7}, the configuration now comes from commit"
kf "$ex" --rev "$main2" apply "$WORK/p1"
expect_rc 0
expect_output "Applying the saved plan .*commit ${main2:0:7}"

# --rev from a bare clone: the state lives in the current directory.
git clone -q --bare "$repo" "$WORK/bare.git"
mkdir "$WORK/ci"
cd "$WORK/ci"
kf "$WORK/bare.git" --rev main:infra init
expect_rc 0
[ -f "$WORK/ci/.keyform/state.json" ] || fail "a bare clone's state is not in the current directory"
kf "$WORK/bare.git" --rev main:infra apply --auto-approve
expect_rc 0
expect_output "Recorded commit $(git -C "$WORK/bare.git" rev-parse --short=7 main) as applied"
kf "$WORK/bare.git" --rev main:infra plan --detailed-exitcode
expect_rc 0
kf "$WORK/bare.git" plan
expect_rc 1
expect_output 'bare git repository.*give --rev'
cd "$WORK"

# DOT: kinds as shapes, planned actions as colours with a legend; dot parses it.
kf "$ex" --rev feature graph --plan
expect_rc 0
dot -Tsvg "$WORK/last.out" >"$WORK/graph.svg" || fail "dot cannot parse keyform graph --plan"
expect_output '"Certificate/branch-only" \[shape=note, style="filled", fillcolor=palegreen'
expect_output '"CertificateAuthority/root" \[shape=doubleoctagon'
expect_output 'cluster_legend'
kf "$ex" graph
dot -Tsvg "$WORK/last.out" >/dev/null || fail "dot cannot parse keyform graph"

# Errors: exit 1, clear, nothing changed.
kf "$ex" --rev no-such-branch plan
expect_rc 1
expect_output 'keyform: error: --rev no-such-branch: unknown revision "no-such-branch"'
kf "$ex" --rev main:no/such/dir plan
expect_rc 1
expect_output 'has no directory no/such/dir'
mkdir "$WORK/not-a-repo"
kf "$WORK/not-a-repo" --rev main plan
expect_rc 1
expect_output 'is not in a git repository'
# A config error in a commit: file:line:col relative to the config directory.
g checkout -qb broken
sed -i 's/issuer: root/issuer: rot/' "$ex/certificates.yaml"
g commit -qam "typo"
g checkout -q main
kf "$ex" --rev broken validate
expect_rc 1
expect_output '^certificates.yaml:[0-9]+:[0-9]+: spec.issuer: no CertificateAuthority named "rot"'
echo "PASS"
