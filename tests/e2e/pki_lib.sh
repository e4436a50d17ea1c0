# Helpers for the revocation, CA lifecycle and trust bundle tests: a small
# PKI project written from scratch, and reading recorded attributes.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# new_project NAME: an empty project in $WORK/NAME with its own root key;
# prints the directory.
new_project() {
  local dir="$WORK/$1"
  mkdir -p "$dir"
  printf 'kind: Project\nname: %s\nspec:\n  account: "111122223333"\n' "$1" >"$dir/keyform.yaml"
  echo "$dir"
}

# attr DIR ADDR JQ: a recorded attribute of ADDR, through jq -r.
attr() {
  "$KEYFORM" --no-color -C "$1" show "$2" --json | jq -r ".attributes$3"
}

# state_serial DIR: the state's serial (to prove a failed command changed nothing).
state_serial() {
  "$KEYFORM" --no-color -C "$1" show --json | jq -r .serial
}

# crl_serials FILE: the revoked serials in a PEM CRL, upper-case hex, one a line.
crl_serials() {
  openssl crl -in "$1" -noout -text | sed -n 's/^ *Serial Number: *//p'
}

upper() { tr 'a-f' 'A-F'; }
