/**
 * The plan pipeline: checkout → load-desired → load-policy → list-live → diff
 * → gate → build-plan. The CLI, `serve`, `audit` and the demo all call this
 * one function; dry-run is simply "stop after build-plan".
 */
import type { Logger } from "pino";
import { arnAccount } from "../core/arn.js";
import { refused } from "../core/errors.js";
import { snapshotKey } from "../core/keys.js";
import type { Block, DesiredState, DiffResult, Inventory, Plan } from "../core/model.js";
import { referencedPaths, unreadYamlWarnings } from "../desired/index.js";
import { diff } from "../diff/diff.js";
import { type GateStages, gate } from "../gate/gate.js";
import type { ClientFactory } from "../lightsail/client.js";
import { listInventory } from "../lightsail/inventory.js";
import { buildPlan } from "../plan/build.js";
import { checkoutSource, redactUrl, type SourceCheckout } from "../source/index.js";
import { loadDesiredFromDir } from "./load-desired.js";
import { loadGateStages } from "./load-stages.js";
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
}

export interface PlanOutcome {
  plan: Plan;
  desired: DesiredState;
  inventory: Inventory;
  diff: DiffResult;
  /** plan-level guard failures: when present, every candidate is blocked */
  planLevelBlocks: readonly Block[];
  checkout: Pick<SourceCheckout, "repo" | "ref" | "commit" | "author" | "committedAt" | "message">;
  steps: StepRunner["records"];
  /** the layout warnings passed to `onWarning`, for renderers */
  warnings: readonly string[];
}

export async function makePlan(req: PlanRequest): Promise<PlanOutcome> {
  const steps = req.steps ?? new StepRunner(req.log);
  const nowMs = req.nowMs ?? Date.now();
  const checkout = await steps.run("checkout", () =>
    checkoutSource({ repo: req.repo, ref: req.ref, base: req.base, cacheDir: req.cacheDir }),
  );
  const warn = req.onWarning ?? ((message: string) => req.log?.warn(message));
  try {
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
    // The policy loads before anything is listed: bad input contacts nothing.
    const stages = await steps.run("load-policy", () => loadGateStages(desired, checkout.dir));
    const inventory = await steps.run("list-live", () =>
      // Instances only when freshness asks: GetInstances is one more permission to grant.
      listInventory(req.clients, desired.spec.regions, {
        instances: desired.spec.freshness !== undefined || desiresSetFreshness(desired),
      }),
    );
    assertAccount(desired, inventory);
    const result = await steps.run("diff", () => diff(desired, inventory, nowMs));
    const gated = await steps.run("gate", () =>
      gate({ desired, inventory, diff: result, commit: checkout.commit, nowMs }, stages.gate),
    );
    const decisions = gated.decisions;
    // PR mode: what was already a deletion candidate on base, against the same live state.
    const onBase = baseDesired
      ? new Set(diff(baseDesired, inventory, nowMs).candidates.map((c) => snapshotKey(c.snapshot)))
      : undefined;
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
        policy: { bundle: desired.spec.policy.bundle, digest: stages.policyDigest },
        inventory,
        diff: result,
        decisions,
        nowMs,
        ...(onBase ? { onBase } : {}),
      }),
    );
    const { ref, commit, author, committedAt, message } = checkout;
    const repo = redactUrl(checkout.repo);
    return {
      plan,
      desired,
      inventory,
      diff: result,
      planLevelBlocks: gated.planLevel,
      checkout: { repo, ref, commit, author, committedAt, message },
      steps: steps.records,
      warnings,
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

export type { GateStages };
