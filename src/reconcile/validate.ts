/**
 * `snapgate validate`: every offline check of a desired-state directory as it is
 * on disk (uncommitted files included) — YAML, schema, names, cross-file checks,
 * the policy (a repository's Rego compiled with opa, a bundle loaded) and the
 * IAM policy document — without git, Lightsail or the state store. Problems are
 * thrown as one located error, exactly as `plan` would report them.
 */
import type { DesiredState } from "../core/model.js";
import { loadDesiredState, readDesiredFiles } from "../desired/index.js";
import { loadGateStages } from "./load-stages.js";

export interface ValidateSummary {
  reconciler: string;
  snapshotFiles: number;
  sets: number;
  keepNames: number;
  retainRules: number;
  policy: string;
  iamPolicy?: string;
}

export async function validateDir(dir: string): Promise<ValidateSummary> {
  const files = await readDesiredFiles(dir);
  const desired: DesiredState = loadDesiredState(files);
  // compiles / loads the policy and parses the IAM document: the checks plan runs before listing
  await loadGateStages(desired, dir);
  const { spec, sets } = desired;
  return {
    reconciler: files.reconciler?.path ?? "snapgate.yaml",
    snapshotFiles: files.snapshotSets.length,
    sets: sets.length,
    keepNames: sets.reduce((n, s) => n + s.keep.length, 0),
    retainRules: sets.reduce((n, s) => n + s.retain.length, 0),
    policy: spec.policy.bundle,
    ...(spec.access.iamPolicy !== undefined && { iamPolicy: spec.access.iamPolicy }),
  };
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
