#!/usr/bin/env bash
# Builds the pinned Versity S3 Gateway (Apache-2.0) into .tools/bin/versitygw from the Go module
# proxy. The tests of S3 state run it on 127.0.0.1 as a real S3 (conditional PUTs, versioning,
# Object Lock). Idempotent: does nothing when the binary already reports the pinned version.
# VERSITYGW_BIN_DIR overrides the target directory (default: <repo>/.tools/bin).
set -euo pipefail

VERSITYGW_VERSION="v1.8.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin_dir="${VERSITYGW_BIN_DIR:-$root/.tools/bin}"
bin="$bin_dir/versitygw"

if command -v go >/dev/null 2>&1; then
  go_cmd="go"
elif [[ -x /usr/local/go/bin/go ]]; then
  go_cmd="/usr/local/go/bin/go"
else
  echo "install-versitygw: Go not found (looked on PATH and at /usr/local/go/bin/go)" >&2
  exit 1
fi

# `go install` leaves the binary's own --version at "git"; the module version is in its build info.
installed_version() {
  "$go_cmd" version -m "$1" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/versity/versitygw" { print $3 }'
}

if [[ -x "$bin" && "$(installed_version "$bin")" == "$VERSITYGW_VERSION" ]]; then
  echo "versitygw $VERSITYGW_VERSION already at $bin"
  exit 0
fi

mkdir -p "$bin_dir"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
echo "building versitygw $VERSITYGW_VERSION with $("$go_cmd" version) (takes a few minutes)…"
CGO_ENABLED=0 GOBIN="$stage" "$go_cmd" install -trimpath \
  "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"

got="$(installed_version "$stage/versitygw")"
if [[ "$got" != "$VERSITYGW_VERSION" ]]; then
  echo "install-versitygw: built versitygw reports version '$got', expected $VERSITYGW_VERSION" >&2
  exit 1
fi
mv "$stage/versitygw" "$bin"
echo "installed versitygw $VERSITYGW_VERSION at $bin"
