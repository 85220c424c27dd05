#!/usr/bin/env node
// Derives policies/capabilities.json from the pinned OPA's own capabilities, keeping only the
// built-ins that run in the JS SDK: those compiled natively into wasm (the builtinsFunctions map
// in OPA's internal/compiler/wasm/wasm.go) plus those the SDK implements in JS. Anything else
// (time.*, http.send, crypto.*, …) then fails `opa build/check/test --capabilities` instead of
// failing at evaluation time in production.
//
// Usage: node tools/opa/gen-capabilities.mjs [--check]   (needs Go, .tools/bin/opa and the
// module proxy or a warm module cache)
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const OPA_VERSION = "v1.22.3";
/** Built-ins @open-policy-agent/opa-wasm 1.10.0 implements in JS (src/builtins/*.js). */
const SDK_BUILTINS = [
  "sprintf",
  "regex.split",
  "yaml.is_valid",
  "yaml.marshal",
  "yaml.unmarshal",
  "json.is_valid",
];
/** Unification and assignment are compiled out by the planner (wasm.go IsWasmEnabled). */
const PLANNER_BUILTINS = ["eq", "assign"];

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const opa = join(root, ".tools", "bin", "opa");
const goBin = existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
const out = join(root, "policies", "capabilities.json");

// The pinned OPA sources (downloaded into the module cache if needed, checked against go.sum).
const { Dir: opaSrc } = JSON.parse(
  execFileSync(
    goBin,
    ["mod", "download", "-json", `github.com/open-policy-agent/opa@${OPA_VERSION}`],
    {
      cwd: join(root, "tools", "opa"),
      encoding: "utf8",
    },
  ),
);

// ast variable name -> built-in name, from every `var X = &Builtin{ Name: "…"` in v1/ast.
const astDir = join(opaSrc, "v1", "ast");
const nameOfVar = new Map();
for (const file of readdirSync(astDir).filter(
  (f) => f.endsWith(".go") && !f.endsWith("_test.go"),
)) {
  const text = readFileSync(join(astDir, file), "utf8");
  for (const m of text.matchAll(/var (\w+) = &Builtin\{\s*Name:\s*"([^"]+)"/g)) {
    nameOfVar.set(m[1], m[2]);
  }
}

const wasmGo = readFileSync(join(opaSrc, "internal", "compiler", "wasm", "wasm.go"), "utf8");
const mapBody = /var builtinsFunctions = map\[string\]string\{([\s\S]*?)\n\}/.exec(wasmGo)?.[1];
if (!mapBody) throw new Error("builtinsFunctions map not found in wasm.go");
const native = [...mapBody.matchAll(/ast\.(\w+)\.Name:/g)].map((m) => {
  const name = nameOfVar.get(m[1]);
  if (!name) throw new Error(`cannot resolve ast.${m[1]}.Name`);
  return name;
});

const allowed = new Set([...native, ...SDK_BUILTINS, ...PLANNER_BUILTINS]);
const caps = JSON.parse(
  execFileSync(opa, ["capabilities", "--version", OPA_VERSION], { encoding: "utf8" }),
);
const builtins = caps.builtins
  .filter((b) => allowed.has(b.name))
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const missing = [...allowed].filter((n) => !builtins.some((b) => b.name === n));
if (missing.length > 0) throw new Error(`not in OPA ${OPA_VERSION} capabilities: ${missing}`);
if (!caps.features?.includes("rego_v1")) throw new Error("OPA capabilities lack rego_v1");

const result = {
  builtins,
  future_keywords: caps.future_keywords,
  wasm_abi_versions: caps.wasm_abi_versions,
  features: caps.features,
};
const text = `${JSON.stringify(result, null, 2)}\n`;
if (process.argv.includes("--check")) {
  const current = existsSync(out) ? readFileSync(out, "utf8") : "";
  if (current !== text) {
    console.error("policies/capabilities.json is stale: run node tools/opa/gen-capabilities.mjs");
    process.exit(1);
  }
  console.log(`capabilities.json up to date (${builtins.length} built-ins)`);
} else {
  writeFileSync(out, text);
  console.log(
    `wrote policies/capabilities.json: ${builtins.length} of ${caps.builtins.length} built-ins`,
  );
}
