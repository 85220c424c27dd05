/**
 * The OPA policy gate: loads a wasm policy bundle (built-in, prebuilt in the repo, or compiled
 * from the repo's Rego) and evaluates each deletion candidate against it. The only module that
 * touches @open-policy-agent/opa-wasm.
 */
export { mergePolicyData } from "./data-merge.js";
export { BUILTIN_BUNDLE_DIR, loadPolicyBundle } from "./load.js";
export {
  type LoadPolicyOptions,
  POLICY_ENTRYPOINT,
  type PolicyEngine,
  type PolicyEvaluation,
  type PolicySource,
} from "./types.js";
export {
  DEFAULT_POLICY_BUDGET,
  type PolicyBudget,
  policyBudgetFromEnv,
  prewarmPolicyWorker,
  stopPolicyWorkers,
} from "./worker-run.js";
