/**
 * One reconcile for `serve`: fetch → plan → (auto-)apply → audit. It goes
 * through the same plan pipeline and the same runApply as the CLI; the only
 * difference is who decides to apply: here, the repo's own
 * `spec.apply.autoApplyBranches`, `spec.suspend` and the plan-level guards.
 */

import type { Logger } from "pino";
import type { ApplyItem, ApplyResult } from "../apply/execute.js";
import { InventoryHistoryReader, recordInventory } from "../audit-log/inventory-events.js";
import type { AuditStore } from "../audit-log/log.js";
import { recordPlan } from "../audit-log/plan-events.js";
import { findDeletedOutside } from "../compliance/deleted-outside.js";
import { sourceFindings } from "../compliance/findings.js";
import { buildFreshness } from "../compliance/freshness.js";
import { messageOf, reasonOf } from "../core/errors.js";
import type { Plan } from "../core/model.js";
import { outcomeKindOf, type ReasonCode } from "../core/outcome.js";
import type { ClientFactory } from "../lightsail/client.js";
import type { IdentityProbe } from "../lightsail/sts.js";
import type { S3LockOptions } from "../state/s3-lock.js";
import type { StateStore } from "../state/store.js";
import { runApply } from "./apply-plan.js";
import { makePlan, type PlanOutcome } from "./plan-pipeline.js";
import { type StepName, StepRunner } from "./steps.js";
import type { FreshnessObservation, ReconcileResult, ReconcileTrigger } from "./types.js";

export interface ReconcileOptions {
  repo: string;
  branch: string;
  cacheDir: string;
  /** the lock, journals and open markers: a directory or S3 (shared by replicas) */
  store: StateStore;
  lockOptions?: S3LockOptions;
  audit: AuditStore;
  /** clients for planning (SDK retries) and for apply (no SDK retries: apply retries itself) */
  planClients: ClientFactory;
  applyClients: ClientFactory;
  /** sts:GetCallerIdentity: apply proves the plan's account with it before any delete */
  identity: IdentityProbe;
  concurrency: number;
  rate: number;
  /** verify the commit's signature before its files are read; returns a reason when it fails */
  verifyCommit?: (commit: string) => Promise<string | null>;
  now?: () => number;
  /** aborted on shutdown: an apply in progress stops starting new deletions */
  signal?: AbortSignal;
  /** step logs go here (serve's logger) */
  log?: Logger;
  /**
   * The audit log's inventory history, read on from the previous reconcile (serve keeps one
   * for its lifetime); without it, each reconcile reads the whole log.
   */
  inventoryHistory?: InventoryHistoryReader;
}

export type ApplyDecision =
  | { apply: true }
  | {
      apply: false;
      code: "NothingToDelete" | "NotAutoApplyBranch" | "Suspended" | "PlanLevelGuard";
      reason: string;
    };

export function decideAutoApply(
  branch: string,
  spec: { apply: { autoApplyBranches: readonly string[] }; suspend: boolean },
  plan: Plan,
  planLevelBlocked: boolean,
): ApplyDecision {
  if (spec.suspend) return { apply: false, code: "Suspended", reason: "spec.suspend is true" };
  if (!spec.apply.autoApplyBranches.includes(branch)) {
    return {
      apply: false,
      code: "NotAutoApplyBranch",
      reason: `branch ${branch} is not in spec.apply.autoApplyBranches`,
    };
  }
  if (planLevelBlocked)
    return { apply: false, code: "PlanLevelGuard", reason: "a plan-level guard blocked the plan" };
  if (plan.deletions.length === 0)
    return { apply: false, code: "NothingToDelete", reason: "nothing to delete" };
  return { apply: true };
}

function blockCounts(plan: Plan): NonNullable<ReconcileResult["blocks"]> {
  const counts: NonNullable<ReconcileResult["blocks"]> = {};
  const planLevel = plan.planLevel ?? [];
  for (const b of plan.blocked) {
    for (const kind of new Set([...b.blockedBy, ...planLevel].map((x) => x.kind)))
      counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

export async function reconcileOnce(
  opts: ReconcileOptions,
  trigger: ReconcileTrigger,
): Promise<ReconcileResult> {
  const now = opts.now ?? Date.now;
  const steps = new StepRunner(opts.log);
  // A run that fails after the checkout (bad input, listing) still names its commit.
  const seen: { commit: string | null } = { commit: null };
  try {
    const outcome = await derivePlan(opts, steps, now, seen);
    const { plan, desired } = outcome;
    seen.commit = plan.source.commit;
    await recordPlan(opts.audit, plan, { trigger });
    const history = opts.inventoryHistory ?? new InventoryHistoryReader(opts.audit, "last-record");
    const freshness = await observeFreshness(opts.audit, history, outcome, now());
    const decision = decideAutoApply(
      opts.branch,
      desired.spec,
      plan,
      outcome.planLevelBlocks.length > 0,
    );
    const applied = decision.apply
      ? await steps.run("apply", () => applyDerived(opts, outcome, trigger, now))
      : undefined;
    const reason = reasonOfRun(decision, applied);
    await recordOutcome(opts.audit, {
      trigger,
      commit: seen.commit,
      plan,
      decision,
      applied,
      reason,
    });
    return resultOf({ commit: seen.commit, outcome, decision, applied, reason, freshness, steps });
  } catch (err) {
    return recordFailure(opts.audit, trigger, seen.commit, steps, err);
  }
}

/** checkout → load → policy → list → diff → gate, naming the commit as soon as it is known */
function derivePlan(
  opts: ReconcileOptions,
  steps: StepRunner,
  now: () => number,
  seen: { commit: string | null },
): Promise<PlanOutcome> {
  return makePlan({
    repo: opts.repo,
    ref: branchRef(opts.branch),
    cacheDir: opts.cacheDir,
    clients: opts.planClients,
    nowMs: now(),
    steps,
    onCheckout: (checkedOut) => {
      seen.commit = checkedOut;
    },
    // before the repository's desired state and policy are loaded, not just before applying
    ...(opts.verifyCommit ? { verifyCommit: opts.verifyCommit } : {}),
  });
}

/** The auto-apply of the plan just derived, through the same runApply as the CLI. */
function applyDerived(
  opts: ReconcileOptions,
  outcome: PlanOutcome,
  trigger: ReconcileTrigger,
  now: () => number,
): Promise<ApplyResult> {
  const { plan } = outcome;
  return runApply({
    plan,
    clients: opts.applyClients,
    audit: opts.audit,
    store: opts.store,
    ...(opts.lockOptions ? { lockOptions: opts.lockOptions } : {}),
    cacheDir: opts.cacheDir,
    nowMs: now(),
    concurrency: opts.concurrency,
    rate: opts.rate,
    // serve's own --repo: the plan was just made from it, and is bound to it like any other
    repo: opts.repo,
    identity: opts.identity,
    trigger,
    signal: opts.signal,
    // approved against the derivation just made: no second checkout, policy load or listing
    derived: outcome,
    onItem: (item, _done, _total, replayed) => logItem(opts.log, plan.digest, item, replayed),
  });
}

/** One log line per snapshot, so an operator can grep what serve deleted and why not. */
function logItem(
  log: Logger | undefined,
  planDigest: string,
  item: ApplyItem,
  replayed: boolean,
): void {
  // `snapshot`, not `name`: pino's own `name` field is the logger's ("snapgate")
  const line = {
    region: item.region,
    snapshot: item.name,
    outcome: item.outcome,
    planDigest,
    detail: item.detail,
    ...(replayed ? { replayed: true } : {}),
  };
  const ok = item.outcome === "deleted" || item.outcome === "absent";
  log?.[ok ? "info" : "warn"](line, `${item.outcome} ${item.region}/${item.name}`);
}

function reasonOfRun(decision: ApplyDecision, applied: ApplyResult | undefined): ReasonCode {
  if (applied) {
    if (applied.aborted) return "Aborted";
    const { failed, denied, skipped } = applied.counts;
    return failed + denied + skipped > 0 ? "AppliedWithFailures" : "Applied";
  }
  return decision.apply ? "Internal" : decision.code;
}

interface RunRecord {
  trigger: ReconcileTrigger;
  commit: string | null;
  plan: Plan;
  decision: ApplyDecision;
  applied: ApplyResult | undefined;
  reason: ReasonCode;
}

/** the audit `reconcile` record of a run that derived a plan */
async function recordOutcome(audit: AuditStore, run: RunRecord): Promise<void> {
  const { decision, applied, reason } = run;
  await audit.append("reconcile", {
    trigger: run.trigger,
    commit: run.commit,
    planDigest: run.plan.digest,
    applied: decision.apply,
    ...(decision.apply ? {} : { notAppliedBecause: decision.reason }),
    ...(applied ? { counts: applied.counts } : {}),
    ok: !applied?.aborted,
    outcome: outcomeKindOf(reason),
    reason,
  });
}

interface RunResultParts {
  commit: string | null;
  outcome: PlanOutcome;
  decision: ApplyDecision;
  applied: ApplyResult | undefined;
  reason: ReasonCode;
  freshness: Awaited<ReturnType<typeof observeFreshness>>;
  steps: StepRunner;
}

function resultOf(parts: RunResultParts): ReconcileResult {
  const { commit, outcome, decision, applied, reason, freshness, steps } = parts;
  const { plan, desired } = outcome;
  return {
    commit,
    ok: !applied?.aborted,
    planSummary: {
      ...plan.summary,
      digest: plan.digest,
      applied: decision.apply,
      ...(decision.apply ? {} : { reason: decision.reason }),
    },
    ...(applied
      ? {
          applied: {
            deleted: applied.counts.deleted,
            failed: applied.counts.failed + applied.counts.denied,
            skipped: applied.counts.skipped,
          },
        }
      : {}),
    blocks: blockCounts(plan),
    freshness: freshness.observation,
    // stale sources and snapshots deleted outside snapgate: serve tells the targets
    findings: freshness.findings,
    commitTime: outcome.checkout.committedAt,
    planDigest: plan.digest,
    ...(applied ? { applyCounts: applied.counts } : {}),
    ...(outcome.planLevelBlocks.length > 0
      ? { planLevelBlocks: outcome.planLevelBlocks.map((b) => b.message) }
      : {}),
    candidates: plan.deletions.length + plan.blocked.length,
    notifications: desired.spec.notifications ?? [],
    ...(applied?.aborted ? { error: applied.aborted } : {}),
    outcome: { kind: outcomeKindOf(reason), reason, steps: steps.records },
  };
}

/** a run that stopped at a step: recorded (best effort) and returned with its reason */
async function recordFailure(
  audit: AuditStore,
  trigger: ReconcileTrigger,
  commit: string | null,
  steps: StepRunner,
  err: unknown,
): Promise<ReconcileResult> {
  const error = messageOf(err);
  const step = steps.failed;
  const reason = failureReason(err, step);
  const kind = outcomeKindOf(reason);
  await audit
    .append("reconcile", { trigger, commit, ok: false, error, outcome: kind, reason, step })
    .catch(() => {});
  return {
    commit,
    ok: false,
    error,
    outcome: { kind, reason, ...(step ? { step } : {}), steps: steps.records },
  };
}

/**
 * Freshness for monitoring: each covered source's status and newest age, and
 * the snapshots gone since the previous record without a delete-result; then
 * this plan's in-scope inventory is recorded for the next comparison.
 */
async function observeFreshness(
  audit: AuditStore,
  historyReader: InventoryHistoryReader,
  outcome: PlanOutcome,
  nowMs: number,
): Promise<{
  observation: FreshnessObservation;
  findings: NonNullable<ReconcileResult["findings"]>;
}> {
  const { plan, desired, inventory, diff } = outcome;
  const history = await historyReader.read();
  const deletedOutside = findDeletedOutside(history, inventory);
  await recordInventory(
    audit,
    "plan",
    plan.regions,
    diff.inScope,
    { planDigest: plan.digest },
    history.last,
  );
  const section = buildFreshness(desired, inventory, diff, nowMs);
  const sources = section?.sources ?? [];
  return {
    observation: {
      sources: sources.map((s) => ({
        region: s.region,
        kind: s.kind,
        source: s.source,
        status: s.status,
        newestAgeSeconds: s.newest?.ageSeconds ?? null,
      })),
      deletedOutside: deletedOutside.length,
      deleted: deletedOutside,
    },
    findings: {
      sources: sourceFindings(section),
      deletedOutside,
    },
  };
}

/** A Lightsail error while listing is the listing's failure: it is retried soon. */
function failureReason(err: unknown, step: StepName | undefined): ReasonCode {
  const reason = reasonOf(err);
  return reason === "LightsailFailed" && step === "list-live" ? "ListLiveFailed" : reason;
}

/**
 * The fully qualified ref of a branch: serve follows a branch, never a tag or
 * a sha that happens to carry the same name (a deleted branch must not hand
 * auto-apply to a tag called "main").
 */
export function branchRef(branch: string): string {
  return `refs/heads/${branch}`;
}
