/**
 * Loads what the gate needs for one desired state: the OPA policy (compiled
 * once, data set once) and the access rules (with the repo's IAM policy
 * document, when configured).
 */
import { readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { badInput, SnapgateError } from "../core/errors.js";
import type { DesiredState } from "../core/model.js";
import { decodeUtf8 } from "../core/utf8.js";
import { accessCheck, accessRulesFor } from "../gate/access.js";
import type { LoadedGateStages } from "../gate/gate.js";
import { loadPolicyBundle, policyBudgetFromEnv } from "../gate/policy/index.js";
import { parseIamPolicy } from "../iam/evaluate.js";

export interface LoadedStages {
  gate: LoadedGateStages;
  policyDigest: string;
}

export async function loadGateStages(
  desired: DesiredState,
  repoDir: string,
): Promise<LoadedStages> {
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
  const full = path.resolve(repoDir, rel);
  if (!full.startsWith(path.resolve(repoDir) + path.sep)) {
    throw new SnapgateError(
      "BadInput",
      `snapgate.yaml: spec.access.iamPolicy: "${rel}" is outside the repository`,
    );
  }
  const cannotRead = () =>
    new SnapgateError(
      "BadInput",
      `snapgate.yaml: spec.access.iamPolicy: cannot read "${rel}" in the repository`,
    );
  // Defence in depth (the git layer already refuses escaping symlinks): the real
  // path must stay inside the repository too; one that cannot be resolved is refused.
  const real = await realpath(full).catch(() => {
    throw cannotRead();
  });
  if (!real.startsWith((await realpath(repoDir)) + path.sep)) {
    throw new SnapgateError(
      "BadInput",
      `snapgate.yaml: spec.access.iamPolicy: "${rel}" resolves outside the repository`,
    );
  }
  const bytes = await readFile(real).catch(() => {
    throw cannotRead();
  });
  // Refused, never repaired: a replaced byte could make a Deny statement match nothing.
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    throw badInput(
      [{ file: rel, line: decoded.line, col: decoded.col, message: "is not valid UTF-8" }],
      `the IAM policy ${rel} is not valid UTF-8`,
    );
  }
  const text = decoded.text;
  return parseIamPolicy(rel, text);
}
