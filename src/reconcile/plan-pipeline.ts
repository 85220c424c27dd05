/**
 * The plan pipeline: checkout → load-desired → load-policy → list-live → diff
 * → gate → build-plan. The CLI, `serve`, `audit` and the demo all call this
 * one function; dry-run is simply "stop after build-plan".
 */
import type { Logger } from "pino";
import { arnAccount } from "../core/arn.js";
import { refused } from "../core/errors.js";
import { snapshotKey } from "../core/keys.js";
import type { Block, Decision, DesiredState, DiffResult, Inventory, Plan } from "../core/model.js";
import { referencedPaths, unreadYamlWarnings } from "../desired/index.js";
import { diff } from "../diff/diff.js";
import { type BatchGateDeps, type GateDeps, gateBatch } from "../gate/gate.js";
import { policyBudgetFromEnv, prewarmPolicyWorker } from "../gate/policy/index.js";
import type { ClientFactory } from "../lightsail/client.js";
import { type ListingProgress, listInventory } from "../lightsail/inventory.js";
import { buildPlan } from "../plan/build.js";
import { checkoutSource, redactUrl, type SourceCheckout } from "../source/index.js";
import { loadDesiredFromDir } from "./load-desired.js";
import { type LoadedGateDeps, loadGateDeps } from "./load-gate-deps.js";
import { StepRunner } from "./steps.js";

export interface PlanRequest {
  repo: string;
  ref?: string;
  base?: string;
  cacheDir: string;
  clients: ClientFactory;
  /** the plan's clock; tests and reproducible runs pass it in */
  nowMs?: number;
  log?: Logger;
  /** the caller's step runner, so that a failing step is known to it too */
  steps?: StepRunner;
  /**
   * Called with each warning about the repository's layout (a YAML file
   * snapgate does not read), also when the desired state then fails to load;
   * default: logged at warn level on `log`.
   */
  onWarning?: (message: string) => void;
  /** told the commit as soon as it is checked out, so a later failure can still name it */
  onCheckout?: (commit: string) => void;
  /** how far listing the live snapshots has got (the CLI shows it on a terminal) */
  onListProgress?: (p: ListingProgress) => void;
  /**
   * `serve --verify-commits`: checks the checked-out commit's signature before anything of the
   * repository is read or run (desired state, policy); a reason refuses the plan.
   */
  verifyCommit?: (commit: string) => Promise<string | null>;
}

export interface PlanOutcome {
  plan: Plan;
  desired: DesiredState;
  inventory: Inventory;
  diff: DiffResult;
  /** the gate's verdict on every candidate: what an in-process approval checks against */
  decisions: readonly Decision[];
  /** the gate's dependencies as loaded for this derivation (access check, policy) */
  gate: BatchGateDeps;
  policyDigest: string;
  /** plan-level guard failures: when present, every candidate is blocked */
  planLevelBlocks: readonly Block[];
  checkout: Pick<SourceCheckout, "repo" | "ref" | "commit" | "author" | "committedAt" | "message">;
  steps: StepRunner["records"];
  /** the layout warnings passed to `onWarning`, for renderers */
  warnings: readonly string[];
}

/** What a commit says: its checkout, desired state (and base's) and the gate's dependencies. */
export interface LoadedSource {
  checkout: SourceCheckout;
  desired: DesiredState;
  baseDesired: DesiredState | undefined;
  gateDeps: LoadedGateDeps;
  warnings: readonly string[];
}

/** What live state says against a loaded source: the inventory, the diff and the verdicts. */
export interface Observation {
  inventory: Inventory;
  diff: DiffResult;
  decisions: readonly Decision[];
  planLevelBlocks: readonly Block[];
  /** PR mode: keys of the snapshots that were already candidates on base */
  onBase: ReadonlySet<string> | undefined;
}

/**
 * checkout → load-desired → load-policy. The caller releases the checkout.
 * The policy loads before anything is listed: bad input contacts nothing.
 */
export async function loadSource(
  req: Pick<
    PlanRequest,
    "repo" | "ref" | "base" | "cacheDir" | "log" | "onWarning" | "onCheckout" | "verifyCommit"
  >,
  steps: StepRunner,
): Promise<LoadedSource> {
  const budget = policyBudgetFromEnv();
  // the policy worker starts while git works (a bad budget is refused by load-policy)
  if (!("error" in budget)) prewarmPolicyWorker(budget);
  const checkout = await steps.run("checkout", () =>
    checkoutSource({ repo: req.repo, ref: req.ref, base: req.base, cacheDir: req.cacheDir }),
  );
  req.onCheckout?.(checkout.commit);
  const warn = req.onWarning ?? ((message: string) => req.log?.warn(message));
  try {
    const verify = req.verifyCommit;
    if (verify) {
      await steps.run("verify-commit", async () => {
        const problem = await verify(checkout.commit);
        if (problem) throw refused(`commit signature: ${problem}`, "SignatureInvalid");
      });
    }
    const desired = await steps
      .run("load-desired", () => loadDesiredFromDir(checkout.dir))
      .catch((err: unknown) => {
        // A misplaced file often explains the failure ("Snapgate.yaml" → snapgate.yaml not found).
        for (const w of unreadYamlWarnings(checkout.unreadFiles)) warn(w);
        throw err;
      });
    const warnings = unreadYamlWarnings(checkout.unreadFiles, referencedPaths(desired.spec));
    for (const w of warnings) warn(w);
    const baseDesired = checkout.base
      ? await steps.run("load-desired", () => loadDesiredFromDir(checkout.base!.dir))
      : undefined;
    const gateDeps = await steps.run("load-policy", () => loadGateDeps(desired, checkout.dir));
    return { checkout, desired, baseDesired, gateDeps, warnings };
  } catch (err) {
    await checkout.release();
    throw err;
  }
}

export interface ObserveOptions {
  onListProgress?: (p: ListingProgress) => void;
  /**
   * List instances when freshness asks (default true): false for an approval, whose verdicts
   * never read them (they only feed freshness reports).
   */
  forFreshness?: boolean;
}

/** list-live → diff → gate, for a loaded source at `nowMs`. */
export async function observe(
  source: LoadedSource,
  clients: ClientFactory,
  nowMs: number,
  steps: StepRunner,
  opts: ObserveOptions = {},
): Promise<Observation> {
  const { desired, baseDesired, gateDeps, checkout } = source;
  const { onListProgress } = opts;
  const inventory = await steps.run("list-live", () =>
    // Instances only when freshness asks: GetInstances is one more permission to grant.
    listInventory(clients, desired.spec.regions, {
      instances:
        opts.forFreshness !== false &&
        (desired.spec.freshness !== undefined || desiresSetFreshness(desired)),
      ...(onListProgress ? { onProgress: onListProgress } : {}),
    }),
  );
  assertAccount(desired, inventory);
  const result = await steps.run("diff", () => diff(desired, inventory, nowMs));
  const gated = await steps.run("gate", () =>
    gateBatch({ desired, inventory, diff: result, commit: checkout.commit, nowMs }, gateDeps.gate),
  );
  // PR mode: what was already a deletion candidate on base, against the same live state.
  const onBase = baseDesired
    ? new Set(diff(baseDesired, inventory, nowMs).candidates.map((c) => snapshotKey(c.snapshot)))
    : undefined;
  return {
    inventory,
    diff: result,
    decisions: gated.decisions,
    planLevelBlocks: gated.planLevel,
    onBase,
  };
}

export async function makePlan(req: PlanRequest): Promise<PlanOutcome> {
  const steps = req.steps ?? new StepRunner(req.log);
  const nowMs = req.nowMs ?? Date.now();
  const source = await loadSource(req, steps);
  const { checkout, desired, gateDeps } = source;
  try {
    const seen = await observe(source, req.clients, nowMs, steps, {
      ...(req.onListProgress ? { onListProgress: req.onListProgress } : {}),
    });
    const plan = await steps.run("build-plan", () =>
      buildPlan({
        source: {
          // never write a token embedded in a URL into the plan file
          repo: redactUrl(checkout.repo),
          ref: checkout.ref,
          commit: checkout.commit,
          base: checkout.base ? checkout.base.commit : null,
        },
        account: desired.spec.account,
        regions: desired.spec.regions,
        policy: { bundle: desired.spec.policy.bundle, digest: gateDeps.policyDigest },
        inventory: seen.inventory,
        diff: seen.diff,
        decisions: seen.decisions,
        planLevel: seen.planLevelBlocks,
        nowMs,
        ...(seen.onBase ? { onBase: seen.onBase } : {}),
      }),
    );
    const { ref, commit, author, committedAt, message } = checkout;
    return {
      plan,
      desired,
      inventory: seen.inventory,
      diff: seen.diff,
      decisions: seen.decisions,
      gate: gateDeps.gate,
      policyDigest: gateDeps.policyDigest,
      planLevelBlocks: seen.planLevelBlocks,
      checkout: { repo: redactUrl(checkout.repo), ref, commit, author, committedAt, message },
      steps: steps.records,
      warnings: source.warnings,
    };
  } finally {
    await checkout.release();
  }
}

function desiresSetFreshness(desired: DesiredState): boolean {
  return desired.sets.some((set) => set.freshness !== undefined);
}

/** Refuse to act at all when live ARNs belong to another account than spec.account. */
export function assertAccount(desired: DesiredState, inventory: Inventory): void {
  const foreign = inventory.snapshots.find((s) => arnAccount(s.arn) !== desired.spec.account);
  if (foreign) {
    throw refused(
      `account guard: live snapshot ${foreign.region}/${foreign.name} has ARN ${foreign.arn}, which belongs to account ${arnAccount(foreign.arn)}, but snapgate.yaml says spec.account "${desired.spec.account}"; refusing to plan against the wrong account`,
      "AccountMismatch",
    );
  }
}

export type { GateDeps };
