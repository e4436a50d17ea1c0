#!/usr/bin/env bash
# Installs what keyform needs to build and test, from Debian's packages.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git openssl ca-certificates
  libssl-dev libyaml-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev googletest clang-format jq
  libgit2-dev libpq-dev postgresql-15 nginx-light graphviz
  clang libclang-rt-14-dev python3 curl libboost1.81-dev prometheus
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

run_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
run_root apt-get update -qq
run_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
