/**
 * `snapgate validate`: every offline check of a desired-state directory as it is
 * on disk (uncommitted files included) — YAML, schema, names, cross-file checks,
 * the policy (a repository's Rego compiled with opa, a bundle loaded) and the
 * IAM policy document — without git, Lightsail or the state store. Problems are
 * thrown as one located error, exactly as `plan` would report them.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { DesiredState } from "../core/model.js";
import {
  isYamlName,
  loadDesiredState,
  readDesiredFiles,
  referencedPaths,
  unreadYamlWarnings,
} from "../desired/index.js";
import { loadGateDeps } from "./load-gate-deps.js";

export interface ValidateSummary {
  reconciler: string;
  snapshotFiles: number;
  sets: number;
  keepNames: number;
  retainRules: number;
  policy: string;
  iamPolicy?: string;
  /** YAML files snapgate does not read (a misplaced set protects nothing), as plan warns */
  warnings: string[];
}

export async function validateDir(dir: string): Promise<ValidateSummary> {
  const files = await readDesiredFiles(dir);
  const desired: DesiredState = loadDesiredState(files);
  // compiles / loads the policy and parses the IAM document: the checks plan runs before listing
  await loadGateDeps(desired, dir);
  const { spec, sets } = desired;
  return {
    reconciler: files.reconciler?.path ?? "snapgate.yaml",
    snapshotFiles: files.snapshotSets.length,
    sets: sets.length,
    keepNames: sets.reduce((n, s) => n + s.keep.length, 0),
    retainRules: sets.reduce((n, s) => n + s.retain.length, 0),
    policy: spec.policy.bundle,
    ...(spec.access.iamPolicy !== undefined && { iamPolicy: spec.access.iamPolicy }),
    warnings: unreadYamlWarnings(await otherYamlFiles(dir), referencedPaths(spec)),
  };
}

/** Read beyond these, the walk for misplaced YAML stops: a warning is not worth a slow hook. */
const WALK_DEPTH = 8;
const WALK_ENTRIES = 20_000;

/**
 * Repo-relative YAML files outside the paths snapgate reads (hidden directories and
 * node_modules skipped, symlinks not followed), for the layout warnings.
 */
async function otherYamlFiles(dir: string): Promise<string[]> {
  const skipTop = new Set(["snapgate.yaml", "snapgate.yml", "snapshots", "node_modules"]);
  const found: string[] = [];
  let budget = WALK_ENTRIES;
  const walk = async (rel: string, depth: number): Promise<void> => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (--budget < 0) return;
      if (e.name.startsWith(".") || (rel === "" && skipTop.has(e.name))) continue;
      const child = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory() && depth < WALK_DEPTH) await walk(child, depth + 1);
      else if (e.isFile() && isYamlName(e.name)) found.push(child);
    }
  };
  await walk("", 0);
  return found;
}

export function describeValidation(dir: string, s: ValidateSummary): string {
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    `${s.reconciler} and ${plural(s.snapshotFiles, "SnapshotSet file")} (${plural(s.sets, "set")}, ${plural(s.keepNames, "keep name")}, ${plural(s.retainRules, "retain rule")})`,
    `policy ${s.policy}`,
    ...(s.iamPolicy !== undefined ? [`IAM policy ${s.iamPolicy}`] : []),
  ];
  return `snapgate validate: ${dir} is valid: ${parts.join("; ")}\n`;
}
