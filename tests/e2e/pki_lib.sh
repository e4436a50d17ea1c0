# Helpers for the PKI end-to-end tests: small projects written from scratch,
# recorded attributes, certificate extensions and keys. Sources lib.sh when
# the test has not.
declare -F kf >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# new_project NAME|DIR: an empty project whose private keys are sealed by the
# root key (no KmsKey), in $WORK/NAME (or DIR, when it has a slash); prints
# the directory.
new_project() {
  local dir=$1
  case "$dir" in */*) ;; *) dir="$WORK/$dir" ;; esac
  mkdir -p "$dir"
  printf 'kind: Project\nname: %s\nspec:\n  account: "111122223333"\n' "$(basename "$dir")" >"$dir/keyform.yaml"
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

# ext_of CERT NAME: the lines `openssl x509 -text` prints for an extension
# (its header, with "critical" when it is, and its value).
ext_of() { openssl x509 -in "$1" -noout -text | grep -A1 "X509v3 $2"; }

# expect_ext CERT NAME VALUE [critical]: the extension is there with VALUE
# in its value line, and critical when asked.
expect_ext() {
  local out
  out=$(ext_of "$1" "$2") || fail "$1 has no $2 extension"
  grep -q -- "$3" <<<"$out" || fail "$1: $2 is not '$3': $out"
  if [ "${4:-}" = critical ]; then
    grep -q "$2: critical" <<<"$out" || fail "$1: $2 is not critical"
  elif [ "${4:-}" = noncritical ]; then
    if grep -q "$2: critical" <<<"$out"; then fail "$1: $2 is critical"; fi
  fi
}

# pubkey_of CERT_OR_KEY: SHA-256 of the public key.
pubkey_of() {
  if grep -q "PRIVATE KEY" "$1"; then
    openssl pkey -in "$1" -pubout | openssl sha256 | cut -d' ' -f2
  else
    openssl x509 -in "$1" -noout -pubkey | openssl sha256 | cut -d' ' -f2
  fi
}

# state_digest DIR: changes when a recorded resource or a sealed object
# changes (a failed action's journal records do not count).
state_digest() {
  # `show` needs a valid configuration: read a copy of the state beside the
  # project file alone.
  local probe="$WORK/state-probe"
  rm -rf "$probe" && mkdir -p "$probe" && cp "$1/keyform.yaml" "$probe/" && cp -r "$1/.keyform" "$probe/"
  ("$KEYFORM" -C "$probe" show --json | jq -S '.resources'
   find "$1/.keyform" -path '*objects*' -type f | sort) | sha256sum
}
