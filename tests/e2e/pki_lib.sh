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

# state_digest DIR: changes when the state (snapshot or journal) changes.
state_digest() { (cat "$1/.keyform/state.json" "$1/.keyform/journal" 2>/dev/null; find "$1/.keyform" -type f ! -name "*lock*" | sort) | sha256sum; }
