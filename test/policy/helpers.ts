import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { PolicyInput } from "../../src/core/model.js";
import {
  mergePolicyData,
  type PolicyEngine,
  type PolicyEvaluation,
} from "../../src/gate/policy/index.js";

/** One candidate through the engine (one worker round-trip). */
export async function evaluateOne(
  engine: PolicyEngine,
  input: PolicyInput,
): Promise<PolicyEvaluation> {
  const [verdict] = await engine.evaluateAll([input]);
  if (!verdict) throw new Error("no verdict");
  return verdict;
}

export const REPO_ROOT = resolve(import.meta.dirname, "..", "..");
/** The pinned opa (scripts/install-opa.sh); CI always has it. */
export const OPA = join(REPO_ROOT, ".tools", "bin", "opa");

export interface PolicyCase {
  name: string;
  input?: PolicyInput;
  patch?: Record<string, unknown>;
  data?: Record<string, unknown>;
  deny: string[];
  warn: string[];
  /** the denials that are safety floors */
  hold?: string[];
}

/** policies/testdata/cases.json: the cases deletion_test.rego runs too. */
export function loadCases(): { baseInput: PolicyInput; cases: PolicyCase[] } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "policies", "testdata", "cases.json"), "utf8"));
}

/** A case's input: given whole, or its patch deep-merged over baseInput (like object.union). */
export function caseInput(baseInput: PolicyInput, c: PolicyCase): PolicyInput {
  if (c.input) return c.input;
  return mergePolicyData(
    baseInput as unknown as Record<string, unknown>,
    c.patch ?? {},
  ) as unknown as PolicyInput;
}

/** A temp "repo" with the given files (path → content). */
export function makeRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "snapgate-policy-test-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** `opa build -t wasm` of `srcDir` (relative to repo) into `out` (relative to repo). */
export function opaBuild(
  repo: string,
  srcDir: string,
  out: string,
  extraArgs: string[] = [],
): void {
  execFileSync(OPA, ["build", "-t", "wasm", ...extraArgs, "-o", join(repo, out), "."], {
    cwd: join(repo, srcDir),
    stdio: "pipe",
  });
}
