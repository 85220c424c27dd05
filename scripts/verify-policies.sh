#!/usr/bin/env bash
# CI check of the built-in policy pack (run scripts/install-opa.sh first):
#   1. capabilities.json is what tools/opa/gen-capabilities.mjs derives from the pinned OPA;
#   2. a policy calling time.now_ns is rejected at build time by those capabilities;
#   3. opa fmt, opa check and opa test pass with the capabilities;
#   4. a rebuild gives the policy.wasm and data.json recorded in policies/bundle/manifest.json,
#      and the committed files match that manifest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
opa="$root/.tools/bin/opa"
cd "$root/policies"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== capabilities.json derived from OPA's own"
node "$root/tools/opa/gen-capabilities.mjs" --check

echo "== capabilities reject time.now_ns"
mkdir -p "$tmp/forbidden"
printf 'package snapgate.deletion\n\ndeny contains "x" if time.now_ns() > 0\n' >"$tmp/forbidden/p.rego"
if "$opa" build -t wasm -e snapgate/deletion --capabilities capabilities.json \
  -o "$tmp/forbidden.tar.gz" "$tmp/forbidden/p.rego" >"$tmp/forbidden.err" 2>&1; then
  echo "FAIL: a policy calling time.now_ns built with capabilities.json" >&2
  exit 1
fi
grep -q "undefined function time.now_ns" "$tmp/forbidden.err" || {
  echo "FAIL: unexpected error for time.now_ns:" >&2
  cat "$tmp/forbidden.err" >&2
  exit 1
}
echo "ok: $(head -1 "$tmp/forbidden.err")"

echo "== opa fmt / check / test"
unformatted="$("$opa" fmt --list ./*.rego)"
if [[ -n "$unformatted" ]]; then
  echo "FAIL: not opa-formatted (run opa fmt --write policies/): $unformatted" >&2
  exit 1
fi
"$opa" check --capabilities capabilities.json ./*.rego
# testdata/cases.json is loaded as data.testdata (shared with test/policy/golden.test.ts)
if ! "$opa" test --capabilities capabilities.json --ignore capabilities.json --ignore bundle \
  --var-values . >"$tmp/test.out" 2>&1; then
  cat "$tmp/test.out" >&2
  exit 1
fi
tail -n 1 "$tmp/test.out"

echo "== rebuild and compare with policies/bundle/manifest.json"
node "$root/scripts/build-policies.mjs" --out "$tmp/bundle"
status=0
for f in manifest.json policy.wasm data.json .manifest capabilities.json; do
  if ! cmp -s "$tmp/bundle/$f" "bundle/$f"; then
    echo "FAIL: policies/bundle/$f differs from a fresh build (run npm run build:policies)" >&2
    status=1
  fi
done
want_wasm="$(node -p 'require("./bundle/manifest.json").policyWasmSha256')"
want_data="$(node -p 'require("./bundle/manifest.json").dataJsonSha256')"
[[ "$(sha256sum bundle/policy.wasm | cut -d' ' -f1)" == "$want_wasm" ]] || {
  echo "FAIL: committed policy.wasm does not match manifest.json" >&2
  status=1
}
[[ "$(sha256sum bundle/data.json | cut -d' ' -f1)" == "$want_data" ]] || {
  echo "FAIL: committed data.json does not match manifest.json" >&2
  status=1
}
[[ $status -eq 0 ]] && echo "ok: policies/bundle matches a fresh build"
exit $status
