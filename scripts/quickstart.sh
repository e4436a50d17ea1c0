#!/usr/bin/env bash
# Sets up, builds, and runs keyform's main job on the embedded default: the
# local backend and examples/quickstart. Apply, then a second plan that has
# no changes. Running it again finds nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
kf="$PWD/build/keyform"
ex=examples/quickstart
set -x
"$kf" -C "$ex" init
"$kf" -C "$ex" validate
"$kf" -C "$ex" apply --auto-approve
"$kf" -C "$ex" plan --detailed-exitcode
openssl verify -CAfile "$ex/out/ca.pem" "$ex/out/web/cert.pem" "$ex/out/api-client/cert.pem"
