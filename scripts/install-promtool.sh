#!/usr/bin/env bash
# Builds the pinned promtool into .tools/bin/promtool from the Go module proxy (the module's own
# go.mod and go.sum pin every dependency), for `promtool check rules` / `promtool test rules` on
# examples/prometheus/. Idempotent: does nothing when .tools/bin/promtool is the pinned version.
# The Go module version v0.316.0 is Prometheus 3.x's promtool (`promtool --version` names both).
set -euo pipefail

PROMETHEUS_MODULE_VERSION="v0.316.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin/promtool"
stamp="$root/.tools/bin/promtool.version"

if [[ -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$PROMETHEUS_MODULE_VERSION" ]]; then
  echo "promtool ($PROMETHEUS_MODULE_VERSION) already at .tools/bin/promtool"
  exit 0
fi

if command -v go >/dev/null 2>&1; then
  go_cmd="go"
elif [[ -x /usr/local/go/bin/go ]]; then
  go_cmd="/usr/local/go/bin/go"
else
  echo "install-promtool: Go not found (looked on PATH and at /usr/local/go/bin/go)" >&2
  exit 1
fi

mkdir -p "$root/.tools/bin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "building promtool $PROMETHEUS_MODULE_VERSION with $("$go_cmd" version) (takes several minutes)…"
CGO_ENABLED=0 GOFLAGS=-mod=mod GOBIN="$tmp" "$go_cmd" install -trimpath \
  "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_MODULE_VERSION"

if ! "$tmp/promtool" --version >/dev/null 2>&1; then
  echo "install-promtool: the built promtool does not run" >&2
  exit 1
fi
mv "$tmp/promtool" "$bin"
echo "$PROMETHEUS_MODULE_VERSION" >"$stamp"
echo "installed $("$bin" --version 2>&1 | head -1) at .tools/bin/promtool"
