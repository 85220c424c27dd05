import { formatIssue, SnapgateError } from "../../src/core/errors.js";
import type { DesiredState } from "../../src/core/model.js";
import { type DesiredFiles, loadDesiredState } from "../../src/desired/index.js";

/** Desired files from literals: `reconciler` is snapgate.yaml's text (null: absent). */
export function filesOf(
  reconciler: string | null,
  sets: Record<string, string> = {},
): DesiredFiles {
  return {
    reconciler: reconciler === null ? null : { path: "snapgate.yaml", text: reconciler },
    snapshotSets: Object.entries(sets).map(([path, text]) => ({ path, text })),
  };
}

export function load(reconciler: string | null, sets: Record<string, string> = {}): DesiredState {
  return loadDesiredState(filesOf(reconciler, sets));
}

/** The formatted `file:line:col: field: message` lines of the error the call throws. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof SnapgateError && err.code === "BadInput") return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error("expected a BadInput error, but the call succeeded");
}

export function loadProblems(
  reconciler: string | null,
  sets: Record<string, string> = {},
): string[] {
  return problemsOf(() => load(reconciler, sets));
}

/** A minimal valid snapgate.yaml; `spec` lines replace the defaults below `spec:`. */
export function reconcilerYaml(spec = ""): string {
  return `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: prod }
spec:
  account: "111122223333"
  regions: [us-east-1, eu-west-2]
  scope:
    matchTags: { managed-by: snapgate }
${spec}`;
}

export const MINIMAL_RECONCILER = reconcilerYaml();
