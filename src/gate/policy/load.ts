import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { messageOf, SnapgateError } from "../../core/errors.js";
import { PACKAGE_ROOT } from "../../core/package-root.js";
import { readBoundedBytes, resolveInside } from "../../core/untrusted-file.js";
import {
  BundleFormatError,
  bundleFilesFrom,
  MAX_BUNDLE_BYTES,
  readTarGz,
} from "./bundle-archive.js";
import { mergePolicyData } from "./data-merge.js";
import { createPolicyEngine } from "./engine.js";
import { compileRegoDir, findOpa } from "./rego-compile.js";
import type { BundleFiles, LoadPolicyOptions, PolicyEngine, PolicySource } from "./types.js";

/** The built-in pack shipped in the package (built by `npm run build:policies`). */
export const BUILTIN_BUNDLE_DIR = join(PACKAGE_ROOT, "policies", "bundle");

const BUNDLE_DIR_FILES = ["policy.wasm", "data.json", ".manifest"];

function policyFailed(label: string, message: string, cause?: unknown): SnapgateError {
  return new SnapgateError("PolicyFailed", `policy ${label}: ${message}`, [], cause);
}

/** A bundle file read bounded (a regular file, at most MAX_BUNDLE_BYTES); `label` names it. */
async function readBundleFile(file: string, label: string): Promise<Buffer> {
  const read = await readBoundedBytes(file, { maxBytes: MAX_BUNDLE_BYTES });
  if (!read.ok) throw policyFailed(label, read.problem.message);
  return read.bytes;
}

/** The files of an extracted bundle directory (policy.wasm, data.json, .manifest). */
async function readBundleDir(dir: string, label: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of BUNDLE_DIR_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) files.set(name, await readBundleFile(path, `${label}/${name}`));
  }
  return files;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The built-in pack, checked against the hashes build-policies.mjs recorded. */
async function loadBuiltin(): Promise<BundleFiles> {
  const label = "builtin";
  let manifest: { policyWasmSha256?: unknown; dataJsonSha256?: unknown };
  let files: Map<string, Buffer>;
  try {
    manifest = JSON.parse(await readFile(join(BUILTIN_BUNDLE_DIR, "manifest.json"), "utf8"));
    files = await readBundleDir(BUILTIN_BUNDLE_DIR, label);
  } catch (err) {
    throw policyFailed(label, `cannot read ${BUILTIN_BUNDLE_DIR}: ${messageOf(err)}`, err);
  }
  const wasm = files.get("policy.wasm");
  const data = files.get("data.json");
  if (!wasm || !data) throw policyFailed(label, `${BUILTIN_BUNDLE_DIR} is incomplete`);
  if (
    sha256Hex(wasm) !== manifest.policyWasmSha256 ||
    sha256Hex(data) !== manifest.dataJsonSha256
  ) {
    throw policyFailed(label, `${BUILTIN_BUNDLE_DIR} does not match its manifest.json`);
  }
  return bundleFilesFrom(files);
}

/** repoDir/relPath, refusing anything that resolves (also through symlinks) outside repoDir. */
async function resolveInsideRepo(repoDir: string, relPath: string): Promise<string> {
  const resolved = await resolveInside(repoDir, relPath);
  if (resolved.ok) return resolved.real;
  throw policyFailed(
    relPath,
    resolved.problem.kind === "missing"
      ? "no such file or directory in the repository"
      : "the policy bundle path must stay inside the repository",
  );
}

/**
 * A repo path: an OPA wasm bundle (bundle.tar.gz from `opa build -t wasm`), a directory holding
 * an extracted one (policy.wasm), or a Rego directory compiled now with opa.
 */
async function loadRepoPath(
  repoDir: string,
  relPath: string,
  options: LoadPolicyOptions,
): Promise<BundleFiles> {
  const target = await resolveInsideRepo(repoDir, relPath);
  try {
    if (!statSync(target).isDirectory()) {
      return bundleFilesFrom(await readTarGz(await readBundleFile(target, relPath)));
    }
    if (existsSync(join(target, "policy.wasm")))
      return bundleFilesFrom(await readBundleDir(target, relPath));
    const opa = options.opaPath === undefined ? findOpa(PACKAGE_ROOT) : options.opaPath;
    if (!opa) {
      throw policyFailed(
        relPath,
        "is a Rego directory and no opa binary was found to compile it: install opa (on PATH) or commit a bundle built with `opa build -t wasm -e snapgate/deletion` and point spec.policy.bundle at it",
      );
    }
    const tarGz = await compileRegoDir({
      opa,
      dir: target,
      label: relPath,
      capabilitiesPath: join(BUILTIN_BUNDLE_DIR, "capabilities.json"),
    });
    return bundleFilesFrom(await readTarGz(tarGz));
  } catch (err) {
    if (err instanceof SnapgateError) throw err;
    const why = err instanceof BundleFormatError ? err.message : messageOf(err);
    throw policyFailed(relPath, `not a usable OPA wasm bundle: ${why}`, err);
  }
}

/**
 * Loads a policy bundle and returns an engine that evaluates candidates with the bundle's data
 * with `dataOverride` (spec.policy.data) merged over it. Throws SnapgateError("PolicyFailed")
 * when the bundle cannot be read, compiled or instantiated.
 */
export async function loadPolicyBundle(
  source: PolicySource,
  dataOverride: Readonly<Record<string, unknown>>,
  options: LoadPolicyOptions = {},
): Promise<PolicyEngine> {
  const files =
    source.kind === "builtin"
      ? await loadBuiltin()
      : await loadRepoPath(source.repoDir, source.relPath, options);
  return createPolicyEngine({
    bundle: source.kind === "builtin" ? "builtin" : source.relPath,
    wasm: files.wasm,
    data: mergePolicyData(files.data, dataOverride),
    ...(options.budget ? { budget: options.budget } : {}),
  });
}
