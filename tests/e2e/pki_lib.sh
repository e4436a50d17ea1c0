# Helpers for the PKI end-to-end tests (sourced after lib.sh).

# new_project DIR: an empty project whose private keys are sealed by the
# root key (no KmsKey), ready for resource files.
new_project() {
  mkdir -p "$1"
  cat >"$1/keyform.yaml" <<YAML
kind: Project
name: pki
spec:
  account: "111122223333"
YAML
}

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
