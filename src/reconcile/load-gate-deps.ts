/**
 * Loads what the gate needs for one desired state: the OPA policy (compiled
 * once, data set once) and the access rules (with the repo's IAM policy
 * document, when configured).
 */
import { badInput, SnapgateError } from "../core/errors.js";
import type { DesiredState } from "../core/model.js";
import { readRepoText } from "../core/untrusted-file.js";
import { MAX_CONFIG_FILE_BYTES } from "../core/yaml-limits.js";
import { accessCheck, accessRulesFor } from "../gate/access.js";
import type { BatchGateDeps } from "../gate/gate.js";
import { loadPolicyBundle, policyBudgetFromEnv } from "../gate/policy/index.js";

export interface LoadedGateDeps {
  gate: BatchGateDeps;
  policyDigest: string;
}

export async function loadGateDeps(
  desired: DesiredState,
  repoDir: string,
): Promise<LoadedGateDeps> {
  const { policy, access } = desired.spec;
  const budget = policyBudgetFromEnv();
  if ("error" in budget) throw new SnapgateError("BadInput", budget.error);
  const engine = await loadPolicyBundle(
    policy.bundle === "builtin"
      ? { kind: "builtin" }
      : { kind: "path", repoDir, relPath: policy.bundle },
    { ...policy.data },
    { budget },
  );
  const iamDocument = access.iamPolicy ? await readIamPolicy(repoDir, access.iamPolicy) : undefined;
  return {
    gate: { policy: engine, access: accessCheck(accessRulesFor(access, iamDocument)) },
    policyDigest: engine.digest,
  };
}

async function readIamPolicy(repoDir: string, rel: string) {
  // Refused, never repaired: a replaced byte could make a Deny statement match nothing.
  const read = await readRepoText(repoDir, rel, { maxBytes: MAX_CONFIG_FILE_BYTES });
  if (!read.ok) {
    const { line, col, message } = read.problem;
    throw badInput(
      [{ file: rel, ...(line !== undefined ? { line, col } : {}), message }],
      `snapgate.yaml: spec.access.iamPolicy: ${rel} ${message}`,
    );
  }
  // loaded here: its schema is built only when spec.access names a policy file
  const { parseIamPolicy } = await import("../iam/parse-policy.js");
  return parseIamPolicy(rel, read.text);
}
