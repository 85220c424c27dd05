/**
 * snapgate as a library: the plan and apply the CLI runs, and the local Lightsail emulator.
 * Credentials and endpoints follow the AWS SDK conventions, as on the CLI; state (the audit
 * log, apply journals, locks) lives at `state`, a directory or s3://bucket/prefix, resolved
 * and checked as the CLI's `--state` is (default SNAPGATE_STATE, SNAPGATE_STATE_DIR or
 * ~/.local/state/snapgate).
 *
 *   const plan = await makePlan({ repo: "git@github.com:acme/snapshots.git" });
 *   await writeFile("plan.json", serializePlan(plan));   // for review
 *   const result = await applyPlan(await readPlanFile("plan.json"), { repo: "git@github.com:acme/snapshots.git" });
 */
import type { ApplyResult } from "./apply/execute.js";
import { openState, type ResolvedState } from "./apply/open-state.js";
import { recordInventory } from "./audit-log/inventory-events.js";
import { recordPlan } from "./audit-log/plan-events.js";
import type { Plan } from "./core/model.js";
import { applyClientFactory, lightsailClientFactory } from "./lightsail/client.js";
import { stsIdentityProbe } from "./lightsail/sts.js";
import { runApply } from "./reconcile/apply-plan.js";
import { makePlan as runPlanPipeline } from "./reconcile/plan-pipeline.js";
import { cacheDirFor } from "./source/paths.js";

export type { ApplyItem, ApplyResult } from "./apply/execute.js";
export { isSnapgateError, SnapgateError } from "./core/errors.js";
export type { Plan } from "./core/model.js";
export type { EmulatorOptions, RunningEmulator } from "./emulator/index.js";
export { startEmulator } from "./emulator/index.js";
export { serializePlan } from "./plan/build.js";
export { readPlanFile } from "./plan/plan-file.js";
export { PLAN_FORMATS, type PlanFormat, renderPlan } from "./plan/render.js";

/** Where a run keeps its state and reaches Lightsail. */
export interface RunOptions {
  /** Lightsail endpoint (default: AWS_ENDPOINT_URL_LIGHTSAIL, AWS_ENDPOINT_URL, or AWS) */
  endpointUrl?: string;
  /**
   * where the audit log, journals and locks live, as the CLI's `--state`: a directory or
   * `s3://bucket/prefix` (default: SNAPGATE_STATE, SNAPGATE_STATE_DIR, ~/.local/state/snapgate)
   */
  state?: string;
  /** a state directory, as `--state-dir`: the alias of `state`, which wins when both are set */
  stateDir?: string;
  /** the git cache (default: <state>/git when a state directory is chosen, else ~/.cache/snapgate/git) */
  cacheDir?: string;
}

export interface PlanOptions extends RunOptions {
  /** the desired-state repository: a local path or a git URL */
  repo: string;
  /** branch, tag or commit (default: the repository's default branch) */
  ref?: string;
  /** PR mode: mark which deletions this change introduces relative to `base` */
  base?: string;
  /** the plan's clock (default: now) */
  nowMs?: number;
}

export interface ApplyOptions extends RunOptions {
  /** deletions in flight at once (default 4) */
  concurrency?: number;
  /** Lightsail requests per second, adapting down on throttling (default 10) */
  rate?: number;
  /** refuse unless the plan's commit is the current tip of this branch */
  requireBranch?: string;
  /**
   * Required: the repository the plan must come from (as `--repo`), with credentials if it
   * needs them. The plan's own source.repo is not trusted: without it the apply is refused.
   */
  repo?: string;
  signal?: AbortSignal;
}

/**
 * The CLI's own resolution of the state location, and its check: a bad location (an unknown
 * scheme, a missing or unversioned bucket, denied credentials) rejects before any Lightsail call.
 */
async function stateOf(options: RunOptions): Promise<ResolvedState & { cacheDir: string }> {
  const flags = {
    state: options.state,
    stateDir: options.stateDir,
    cacheDir: options.cacheDir,
    // a bad location is named as the caller gave it: the option, not the CLI's flag
    origins: { state: "state", stateDir: "stateDir" },
  };
  const state = await openState(flags);
  return { ...state, cacheDir: cacheDirFor(flags) };
}

/**
 * A dry run, as `snapgate plan`: desired vs live, guards, policies and access checks, recorded
 * in the audit log. Deletes nothing. Bad input rejects with a SnapgateError.
 */
export async function makePlan(options: PlanOptions): Promise<Plan> {
  const { cacheDir, audit } = await stateOf(options);
  const { plan, diff } = await runPlanPipeline({
    repo: options.repo,
    ref: options.ref,
    base: options.base,
    cacheDir,
    clients: lightsailClientFactory({ endpoint: options.endpointUrl }),
    nowMs: options.nowMs,
  });
  await recordPlan(audit, plan, { trigger: { kind: "api" } });
  // What this plan saw in scope: the next audit finds snapshots deleted outside snapgate.
  await recordInventory(audit, "plan", plan.regions, diff.inScope, { planDigest: plan.digest });
  return plan;
}

/**
 * Deletes exactly the plan's approved snapshots, as `snapgate apply --auto-approve`: calling
 * it is the approval. Every check `apply` makes still runs (digest, staleness, the account
 * lock, a fresh read before each delete); a refusal rejects with a SnapgateError, and items
 * that failed or were skipped are in the result's counts.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const { store, audit, lockOptions, cacheDir } = await stateOf(options);
  return runApply({
    plan,
    clients: applyClientFactory({ endpoint: options.endpointUrl }),
    audit,
    store,
    lockOptions,
    cacheDir,
    nowMs: Date.now(),
    concurrency: options.concurrency ?? 4,
    rate: options.rate ?? 10,
    requireBranch: options.requireBranch,
    repo: options.repo,
    identity: stsIdentityProbe({ endpoint: options.endpointUrl }),
    trigger: { kind: "api" },
    signal: options.signal,
  });
}
