#!/usr/bin/env node
// `npm run build:policies`: compiles the built-in policy pack (policies/*.rego + data.json) to an
// OPA wasm bundle with the pinned opa, and writes what snapgate loads at run time into
// policies/bundle/: policy.wasm, data.json, .manifest, manifest.json (OPA version, entrypoint,
// sha256 of policy.wasm and data.json) and capabilities.json (for compiling a repo's Rego at run time).
//
// Reproducible by construction: pinned opa, fixed cwd (policies/), fixed relative paths (they are
// embedded in policy.wasm), -O=0, no wasm-opt. It builds twice and fails if the bytes differ.
//
//   node scripts/build-policies.mjs [--out <dir>]   (default policies/bundle)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import tar from "tar-stream";

const OPA_VERSION = "1.22.3";
const ENTRYPOINT = "snapgate/deletion";
/** The bundle members snapgate needs; the Rego sources stay out of the package. */
const KEEP = ["policy.wasm", "data.json", ".manifest"];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const policiesDir = join(root, "policies");
const opa = join(root, ".tools", "bin", "opa");

function argValue(flag) {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function sha256Hex(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

function checkOpa() {
  let out;
  try {
    out = execFileSync(opa, ["version"], { encoding: "utf8" });
  } catch {
    throw new Error("no opa at .tools/bin/opa: run scripts/install-opa.sh");
  }
  const version = /^Version: (.+)$/m.exec(out)?.[1];
  if (version !== OPA_VERSION) {
    throw new Error(
      `.tools/bin/opa is ${version}, expected ${OPA_VERSION}: run scripts/install-opa.sh`,
    );
  }
}

/** Policy sources, relative to policies/, sorted: every *.rego at the top level except tests. */
function regoSources() {
  return readdirSync(policiesDir)
    .filter((f) => f.endsWith(".rego") && !f.endsWith("_test.rego"))
    .sort();
}

async function untar(gz) {
  const files = new Map();
  const extract = tar.extract();
  const done = new Promise((resolvePromise, reject) => {
    extract.on("entry", (header, stream, next) => {
      const chunks = [];
      stream.on("data", (c) => chunks.push(c));
      stream.on("end", () => {
        files.set(header.name.replace(/^\/+/, ""), Buffer.concat(chunks));
        next();
      });
      stream.on("error", reject);
    });
    extract.on("finish", resolvePromise);
    extract.on("error", reject);
  });
  extract.end(gunzipSync(gz));
  await done;
  return files;
}

/** One `opa build`, into a fresh temp dir; returns the kept members by name. */
async function buildOnce() {
  const work = mkdtempSync(join(tmpdir(), "snapgate-policies-"));
  try {
    const tarball = join(work, "bundle.tar.gz");
    execFileSync(
      opa,
      [
        "build",
        "-t",
        "wasm",
        "-e",
        ENTRYPOINT,
        "-O=0",
        "--capabilities",
        "capabilities.json",
        "-o",
        tarball,
        ...regoSources(),
        "data.json",
      ],
      {
        cwd: policiesDir,
        stdio: ["ignore", "inherit", "inherit"],
        // wasm-opt post-processing would make the output depend on the machine's binaryen
        env: { ...process.env, EXPERIMENTAL_WASM_OPT: "", EXPERIMENTAL_WASM_OPT_ARGS: "" },
      },
    );
    const members = await untar(readFileSync(tarball));
    for (const name of KEEP) {
      if (!members.has(name)) throw new Error(`opa build produced no ${name}`);
    }
    return new Map(KEEP.map((name) => [name, members.get(name)]));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  checkOpa();
  const outDir = resolve(argValue("--out") ?? join(policiesDir, "bundle"));
  const first = await buildOnce();
  const second = await buildOnce();
  for (const name of KEEP) {
    if (!first.get(name).equals(second.get(name))) {
      throw new Error(`non-deterministic build: ${name} differs between two builds`);
    }
  }
  const entrypoints = JSON.parse(first.get(".manifest").toString("utf8")).wasm?.map(
    (w) => w.entrypoint,
  );
  if (!entrypoints?.includes(ENTRYPOINT)) {
    throw new Error(`.manifest lists entrypoints ${entrypoints}, expected ${ENTRYPOINT}`);
  }
  const manifest = {
    opaVersion: OPA_VERSION,
    entrypoint: ENTRYPOINT,
    policyWasmSha256: sha256Hex(first.get("policy.wasm")),
    dataJsonSha256: sha256Hex(first.get("data.json")),
  };
  mkdirSync(outDir, { recursive: true });
  for (const [name, bytes] of first) writeFileSync(join(outDir, name), bytes);
  // shipped so snapgate can compile a repo's Rego directory against the same built-ins
  writeFileSync(
    join(outDir, "capabilities.json"),
    readFileSync(join(policiesDir, "capabilities.json")),
  );
  writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`built ${outDir} (deterministic across two builds)`);
  console.log(`  policy.wasm ${manifest.policyWasmSha256}`);
  console.log(`  data.json   ${manifest.dataJsonSha256}`);
}

main().catch((err) => {
  console.error(`build-policies: ${err.message}`);
  process.exit(1);
});
