import type { PolicyInput, PolicyVerdict } from "../../core/model.js";
import type { PolicyBudget } from "./worker-run.js";

/** The entrypoint every policy bundle must provide. */
export const POLICY_ENTRYPOINT = "snapgate/deletion";

/** Where a policy comes from: the pack shipped with snapgate, or a path inside the repo. */
export type PolicySource = { kind: "builtin" } | { kind: "path"; repoDir: string; relPath: string };

/**
 * A verdict for one candidate. When the policy itself failed (abort, missing built-in, out of
 * memory, malformed result), `error` says why and `deny` holds `policy error: …`: a policy error
 * blocks the deletion, it never approves it.
 */
export interface PolicyEvaluation extends PolicyVerdict {
  readonly error?: string;
}

export interface PolicyEngine {
  /** "builtin" or the repo-relative path it was loaded from */
  readonly bundle: string;
  /** `sha256:<hex>` of policy.wasm followed by the canonical JSON of the data set */
  readonly digest: string;
  /**
   * One verdict per input, in order, from one worker round-trip under the policy's budget.
   * Never rejects: a failure is a `policy error` verdict; messages sorted.
   */
  evaluateAll(inputs: readonly PolicyInput[]): Promise<PolicyEvaluation[]>;
  /** Size of the wasm linear memory after the last evaluation, in bytes (for benchmarks). */
  memoryBytes(): number;
}

export interface LoadPolicyOptions {
  /**
   * The opa binary used to compile a Rego directory. Undefined: look on PATH, then at
   * .tools/bin/opa in the snapgate package. Null: no opa available.
   */
  opaPath?: string | null;
  /** time and heap for the policy's worker; default DEFAULT_POLICY_BUDGET */
  budget?: PolicyBudget;
}

/** What a bundle provides before it is instantiated. */
export interface BundleFiles {
  wasm: Uint8Array;
  data: Record<string, unknown>;
}
