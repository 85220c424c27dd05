#!/usr/bin/env bash
# Builds the pinned OPA CLI into .tools/bin/opa from tools/opa (go.mod + go.sum pin every
# module). Idempotent: does nothing when .tools/bin/opa already reports the pinned version.
# The binary is built without the opa_wasm tag (CGO_ENABLED=0): it can compile Rego to wasm
# (`opa build -t wasm`), check and test, but not evaluate wasm itself — Node does that.
set -euo pipefail

OPA_VERSION="1.22.3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin/opa"

installed_version() {
  "$1" version 2>/dev/null | sed -n 's/^Version: //p'
}

if [[ -x "$bin" && "$(installed_version "$bin")" == "$OPA_VERSION" ]]; then
  echo "opa $OPA_VERSION already at .tools/bin/opa"
  exit 0
fi

if command -v go >/dev/null 2>&1; then
  go_cmd="go"
elif [[ -x /usr/local/go/bin/go ]]; then
  go_cmd="/usr/local/go/bin/go"
else
  echo "install-opa: Go not found (looked on PATH and at /usr/local/go/bin/go)" >&2
  exit 1
fi

mkdir -p "$root/.tools/bin"
echo "building opa $OPA_VERSION with $("$go_cmd" version) (takes a minute or two)…"
(
  cd "$root/tools/opa"
  CGO_ENABLED=0 GOFLAGS=-mod=readonly "$go_cmd" build -trimpath -o "$bin.tmp" \
    github.com/open-policy-agent/opa
)

got="$(installed_version "$bin.tmp")"
if [[ "$got" != "$OPA_VERSION" ]]; then
  rm -f "$bin.tmp"
  echo "install-opa: built opa reports version '$got', expected $OPA_VERSION (check tools/opa/go.mod)" >&2
  exit 1
fi
mv "$bin.tmp" "$bin"
echo "installed opa $OPA_VERSION at .tools/bin/opa"
