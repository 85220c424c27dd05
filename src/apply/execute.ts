/**
 * Executes exactly the approved deletions of a plan, once, with bounded
 * concurrency and an adaptive rate limit.
 *
 * Live state is re-read per item, with GetDiskSnapshot right before its
 * DeleteDiskSnapshot. One GetDiskSnapshots listing per region would be
 * cheaper (a page per 50 snapshots instead of a call per item), but a listing
 * is only as fresh as the moment it was taken: over a long apply, a snapshot
 * put under legal hold or re-created after the listing would be deleted on
 * stale facts. Lightsail has no conditional delete, so the window cannot be
 * closed, only shrunk — to one round-trip per item. A final listing per region
 * confirms that what was reported deleted is gone.
 */
import type { LightsailClient } from "@aws-sdk/client-lightsail";
import type { AuditAppender } from "../audit-log/log.js";
import { messageOf, SnapgateError } from "../core/errors.js";
import { snapshotKey } from "../core/keys.js";
import { mapBounded } from "../core/map-bounded.js";
import type { LiveSnapshot, Plan, PlanDeletion } from "../core/model.js";
import { byRegionAndName } from "../core/order.js";
import { classifyError, describeError } from "../lightsail/classify.js";
import type { ClientFactory } from "../lightsail/client.js";
import { listSnapshots } from "../lightsail/inventory.js";
import { rateLimitedClients } from "./call.js";
import {
  type DeleteContext,
  deleteChecked,
  type ItemResult,
  preDeleteCheck,
  readSnapshot,
} from "./delete-one.js";
import type { SettledItem } from "./interrupted.js";
import { type ApplyJournal, FINAL_OUTCOMES, type ItemOutcome } from "./journal.js";
import { AdaptiveRateLimiter } from "./rate-limiter.js";
import { recordDeleteResult } from "./record-result.js";

export interface ApplyItem {
  region: string;
  name: string;
  outcome: ItemOutcome;
  detail: string;
  operations: ItemResult["operations"];
}

export interface ApplyResult {
  planDigest: string;
  startedAt: string;
  finishedAt: string;
  items: ApplyItem[];
  counts: Record<ItemOutcome, number>;
  /** why the run stopped early, when it did */
  aborted?: string;
  /**
   * set when a state write failed: some started item may have no stored result,
   * so its journal must stay marked open for the next run to settle
   */
  stateFailed?: true;
  throttled: number;
  /** deletes a crash interrupted under earlier plans, re-read and recorded by this run */
  settled?: SettledItem[];
  /** what was applied: the plan's source, in the repository the operator named (runApply sets it) */
  source?: Plan["source"];
}

export interface ExecuteOptions {
  plan: Plan;
  clients: (region: string) => Pick<LightsailClient, "send">;
  journal: ApplyJournal;
  audit: AuditAppender;
  runId: string;
  concurrency: number;
  rate: number;
  recheck: DeleteContext["recheck"];
  /** each item's result; `replayed` when it was read from the journal of an earlier run */
  onItem?: (item: ApplyItem, done: number, total: number, replayed: boolean) => void;
  /** an item is started (read, then maybe deleted): in flight until its onItem */
  onStart?: (deletion: PlanDeletion) => void;
  operationTimeoutMs?: number;
  pollIntervalMs?: number;
  /** when aborted, no new item is started; items in flight finish (serve's SIGTERM) */
  signal?: AbortSignal;
  /**
   * The account lock: checked before each item starts and again right before
   * its DeleteDiskSnapshot. Once it is lost, no further deletion starts.
   */
  lease?: { readonly signal: AbortSignal; assertHeld(): void };
}

/** Why the lock no longer allows a delete, or undefined while it does. */
function leaseLost(lease: ExecuteOptions["lease"]): string | undefined {
  if (!lease) return undefined;
  try {
    lease.assertHeld();
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

function isStateFailure(err: unknown): boolean {
  return err instanceof SnapgateError && err.code === "StateFailed";
}

export function emptyOutcomeCounts(): Record<ItemOutcome, number> {
  return { deleted: 0, absent: 0, skipped: 0, denied: 0, failed: 0 };
}

export async function executePlan(opts: ExecuteOptions): Promise<ApplyResult> {
  const run = new ExecutionRun(opts);
  const pending = run.replayFinished();
  await mapBounded(pending, Math.max(1, opts.concurrency), (d) => run.execute(d));
  if (!run.aborted) {
    await confirmGone(run.reads, opts.plan, run.items, (d, r) => run.persist(d, r));
  }
  return run.result();
}

/** One executePlan: its items so far, and whether (and why) it stops starting new ones. */
class ExecutionRun {
  readonly startedAt = new Date().toISOString();
  readonly limiter: AdaptiveRateLimiter;
  readonly reads: ClientFactory;
  readonly items: ApplyItem[] = [];
  aborted: string | undefined;
  private stateFailed = false;
  private done = 0;

  constructor(private readonly opts: ExecuteOptions) {
    this.limiter = new AdaptiveRateLimiter(opts.rate);
    this.reads = rateLimitedClients(opts.clients, this.limiter);
  }

  /** Deletions with a final result in the journal are reported, not redone; returns the rest. */
  replayFinished(): PlanDeletion[] {
    const { plan, journal } = this.opts;
    return plan.deletions.filter((d) => {
      const prior = journal.state(snapshotKey(d))?.result;
      if (prior && FINAL_OUTCOMES.has(prior.outcome)) {
        this.report(
          {
            region: d.region,
            name: d.name,
            outcome: prior.outcome,
            detail: `${prior.detail} (in an earlier run)`,
            operations: prior.operations,
          },
          true,
        );
        return false;
      }
      return true;
    });
  }

  /** one deletion: unless the run stops, read it, check it, maybe delete it, record the result */
  async execute(d: PlanDeletion): Promise<void> {
    if (this.shouldStop()) return;
    this.opts.onStart?.(d);
    const ctx = this.deleteContext(d);
    let result: ItemResult;
    try {
      const live = await readSnapshot(ctx.reads, d.region, d.name);
      const veto = preDeleteCheck(d, live, ctx);
      result = veto ?? (await deleteChecked(d, ctx));
    } catch (err) {
      result = this.failureOf(err);
    }
    if (result.abort) this.aborted ??= result.abort;
    await this.record(d, result);
  }

  private shouldStop(): boolean {
    this.aborted ??= leaseLost(this.opts.lease);
    if (!this.aborted && this.opts.signal?.aborted)
      this.aborted = "shutting down: items not started are left for the next run";
    return Boolean(this.aborted);
  }

  private deleteContext(d: PlanDeletion): DeleteContext {
    const { opts } = this;
    const { plan, journal, audit, runId } = opts;
    const key = snapshotKey(d);
    return {
      reads: this.reads(d.region),
      raw: opts.clients(d.region),
      limiter: this.limiter,
      recheck: opts.recheck,
      operationTimeoutMs: opts.operationTimeoutMs ?? 15 * 60_000,
      pollIntervalMs: opts.pollIntervalMs ?? 250,
      // After the intent is stored: a lease lost while it was written stops the delete.
      mayDelete: () => leaseLost(opts.lease),
      onIntent: async () => {
        await journal.intent(key, d.arn);
        await audit.append("delete-intent", {
          runId,
          planDigest: plan.digest,
          region: d.region,
          name: d.name,
          arn: d.arn,
        });
      },
    };
  }

  private failureOf(err: unknown): ItemResult {
    if (isStateFailure(err)) {
      // The intent could not be stored, so its delete was never sent: nothing else starts.
      this.stateFailed = true;
      const detail = `not deleted: ${messageOf(err)}`;
      return { outcome: "failed", detail, operations: [], abort: detail };
    }
    const c = classifyError(err);
    return {
      outcome: "failed",
      detail: describeError(c),
      operations: [],
      ...(c.class === "abort" ? { abort: describeError(c) } : {}),
    };
  }

  persist(d: PlanDeletion, r: ItemResult): Promise<void> {
    const { plan, journal, audit, runId } = this.opts;
    return recordDeleteResult(audit, journal, {
      runId,
      planDigest: plan.digest,
      region: d.region,
      name: d.name,
      arn: d.arn,
      outcome: r.outcome,
      detail: r.detail,
      operations: r.operations,
    });
  }

  private async record(d: PlanDeletion, r: ItemResult): Promise<void> {
    try {
      await this.persist(d, r);
    } catch (err) {
      // The delete may have landed, but its result is not stored: stop starting others, and
      // leave the item in flight for the next run to re-read and record.
      if (!isStateFailure(err)) throw err;
      this.stateFailed = true;
      this.aborted ??= `the state store failed, so no further deletion is started: ${messageOf(err)}`;
    }
    this.report(
      {
        region: d.region,
        name: d.name,
        outcome: r.outcome,
        detail: r.detail,
        operations: r.operations,
      },
      false,
    );
  }

  private report(item: ApplyItem, replayed: boolean): void {
    this.items.push(item);
    this.opts.onItem?.(item, ++this.done, this.opts.plan.deletions.length, replayed);
  }

  result(): ApplyResult {
    const counts = emptyOutcomeCounts();
    for (const i of this.items) counts[i.outcome]++;
    return {
      planDigest: this.opts.plan.digest,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
      items: this.items.sort(byRegionAndName),
      counts,
      ...(this.aborted ? { aborted: this.aborted } : {}),
      ...(this.stateFailed ? { stateFailed: true as const } : {}),
      throttled: this.limiter.throttled,
    };
  }
}

/**
 * One more listing per region: anything reported deleted but still listed is
 * a failure — recorded as such in the journal (not final, so the next run
 * re-checks and retries it) and in the audit log.
 */
async function confirmGone(
  reads: ClientFactory,
  plan: Plan,
  items: ApplyItem[],
  record: (d: PlanDeletion, r: ItemResult) => Promise<void>,
): Promise<void> {
  const deleted = items.filter((i) => i.outcome === "deleted");
  if (deleted.length === 0) return;
  const regions = [...new Set(deleted.map((i) => i.region))];
  const lists = await mapBounded(regions, 8, (r) => listSnapshots(reads, r));
  const still = new Map<string, LiveSnapshot>();
  for (const s of lists.flat()) still.set(snapshotKey(s), s);
  const planned = new Map(plan.deletions.map((d) => [snapshotKey(d), d]));
  for (const item of deleted) {
    const s = still.get(snapshotKey(item));
    const d = planned.get(snapshotKey(item));
    if (s && d && s.arn === d.arn) {
      item.outcome = "failed";
      item.detail = `${item.detail}, but the snapshot is still listed afterwards`;
      await record(d, { outcome: "failed", detail: item.detail, operations: item.operations });
    }
  }
}
