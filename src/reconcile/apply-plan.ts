/**
 * The one way snapgate deletes snapshots, used by the CLI, `serve` and the
 * demo: refuse stale plans, take the account lock, journal, execute, audit.
 */
import { randomUUID } from "node:crypto";
import type { LightsailClient } from "@aws-sdk/client-lightsail";
import { proveAccount } from "../apply/account-proof.js";
import {
  type ApplyLease,
  clearOpen,
  lockAccount,
  markOpen,
  openJournal,
} from "../apply/apply-state.js";
import { rateLimitedClients } from "../apply/call.js";
import {
  type ApplyItem,
  type ApplyResult,
  emptyOutcomeCounts,
  executePlan,
} from "../apply/execute.js";
import { settleInterrupted } from "../apply/interrupted.js";
import type { ApplyJournal } from "../apply/journal.js";
import { AdaptiveRateLimiter } from "../apply/rate-limiter.js";
import { bindRepository } from "../apply/repo-binding.js";
import type { AuditAppender } from "../audit-log/log.js";
import { refused } from "../core/errors.js";
import { snapshotKey } from "../core/keys.js";
import type { Plan, PlanDeletion } from "../core/model.js";
import type { ClientFactory } from "../lightsail/client.js";
import type { IdentityProbe } from "../lightsail/sts.js";
import { checkPlanObject } from "../plan/plan-file.js";
import { redactUrl } from "../source/index.js";
import type { S3LockOptions } from "../state/s3-lock.js";
import type { StateStore } from "../state/store.js";
import { approveDerived, type Derivation, type Preflight, preflight } from "./approve.js";

export interface ApplyRequest {
  plan: Plan;
  clients: (region: string) => Pick<LightsailClient, "send">;
  audit: AuditAppender;
  /** where the lock, the journals and the open markers live: a directory or S3 */
  store: StateStore;
  /** the S3 lock's lease (ignored for a directory) */
  lockOptions?: S3LockOptions;
  cacheDir: string;
  nowMs: number;
  concurrency: number;
  rate: number;
  requireBranch?: string;
  /**
   * The repository the operator named (--repo, SNAPGATE_REPO, serve's --repo):
   * the plan must come from it, and every git question goes to it. Undefined is refused.
   */
  repo: string | undefined;
  /** who the credentials belong to (sts:GetCallerIdentity): must be the plan's account */
  identity: IdentityProbe;
  /** asked after every check passed and before the first delete; false → refused */
  confirm?: (plan: Plan, source: Plan["source"]) => Promise<boolean>;
  onItem?: (item: ApplyItem, done: number, total: number, replayed: boolean) => void;
  /** an item is started; in flight until its onItem */
  onStart?: (deletion: PlanDeletion) => void;
  /** how the run was started, for the audit log (cli, serve, demo) */
  trigger?: Record<string, unknown>;
  operationTimeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /**
   * The derivation this very process just built the plan from (`serve`): the
   * plan is approved against it, not re-derived. Absent for a plan file.
   */
  derived?: Derivation;
}

export { lockPath } from "../apply/apply-state.js";

export async function runApply(request: ApplyRequest): Promise<ApplyResult> {
  // A plan file was checked as it was read; a plan object (the library's) gets the same checks
  // here, where every apply passes: one edited after it was made is refused.
  const req = { ...request, plan: checkPlanObject("the plan", request.plan) };
  const { plan } = req;
  const repo = bindRepository(plan, req.repo);
  const run: ApplyRun = {
    runId: randomUUID(),
    repo,
    source: { ...plan.source, repo: redactUrl(repo) },
    reads: () => rateLimitedClients(req.clients, new AdaptiveRateLimiter(req.rate)),
  };
  if (plan.deletions.length === 0) {
    // Nothing is done, not even settling earlier crashes: without preflight the
    // plan's account is unproven, and a NotFound from the wrong account would
    // be recorded as "absent". The next apply with deletions settles them.
    return nothingApplied(plan, run.source);
  }
  return withApplyLock(req, (lease) => applyLocked(req, run, lease));
}

/** what one runApply knows before it takes the lock */
interface ApplyRun {
  runId: string;
  /** the repository the plan is bound to */
  repo: string;
  /** the plan's source, in the repository the operator named (redacted) */
  source: Plan["source"];
  /** rate-limited read clients, a fresh limiter per use */
  reads: () => ClientFactory;
}

function nothingApplied(plan: Plan, source: Plan["source"]): ApplyResult {
  const now = new Date().toISOString();
  return {
    planDigest: plan.digest,
    startedAt: now,
    finishedAt: now,
    items: [],
    counts: emptyOutcomeCounts(),
    throttled: 0,
    source,
  };
}

/** Under the account lock: prove, approve, confirm, settle, journal, execute, summarise. */
async function applyLocked(
  req: ApplyRequest,
  run: ApplyRun,
  lease: ApplyLease,
): Promise<ApplyResult> {
  const { plan } = req;
  // First, before settling anything or deleting: the credentials are the plan's account's.
  const caller = await proveAccount(plan, req.identity);
  const checks = await approve(req, run);
  if (req.confirm && !(await req.confirm(plan, run.source)))
    throw refused("apply cancelled: the confirmation did not match", "Cancelled");
  lease.assertHeld();
  const settled = await settleInterrupted({
    store: req.store,
    account: plan.account,
    currentDigest: plan.digest,
    clients: run.reads(),
    audit: req.audit,
    runId: run.runId,
  });

  const journal = await openJournal(req.store, plan.digest);
  // Stored before the first intent: a crash must never leave intents without their marker.
  // It names the account: only its lock holder settles it.
  await markOpen(req.store, plan.digest, plan.account);
  await recordApplyStart(req, run.runId, caller.arn, journal);
  const result = await executePlan({
    plan,
    clients: req.clients,
    journal,
    audit: req.audit,
    runId: run.runId,
    concurrency: req.concurrency,
    rate: req.rate,
    recheck: checks.recheck,
    onItem: req.onItem,
    onStart: req.onStart,
    operationTimeoutMs: req.operationTimeoutMs,
    pollIntervalMs: req.pollIntervalMs,
    // shutdown or a lost lock: either stops new deletions at once
    signal: req.signal ? AbortSignal.any([req.signal, lease.signal]) : lease.signal,
    lease,
  });
  await finishApply(req, run.runId, result, lease);
  const { source } = run;
  return settled.length > 0 ? { ...result, source, settled } : { ...result, source };
}

/** `serve` approves against the derivation it just made; a plan file is re-derived at its commit. */
async function approve(req: ApplyRequest, run: ApplyRun): Promise<Preflight> {
  const { plan } = req;
  if (req.derived) return approveDerived(plan, req.derived, req.nowMs);
  return preflight(plan, {
    cacheDir: req.cacheDir,
    nowMs: req.nowMs,
    requireBranch: req.requireBranch,
    repo: run.repo,
    clients: run.reads(),
  });
}

async function recordApplyStart(
  req: ApplyRequest,
  runId: string,
  caller: string,
  journal: ApplyJournal,
): Promise<void> {
  const { plan } = req;
  await req.audit.append("apply-start", {
    runId,
    planDigest: plan.digest,
    commit: plan.source.commit,
    ref: plan.source.ref,
    repo: plan.source.repo,
    policyDigest: plan.policy.digest,
    account: plan.account,
    caller,
    deletions: plan.deletions.length,
    trigger: req.trigger ?? { kind: "cli" },
    resumed: plan.deletions.some((d) => journal.state(snapshotKey(d)) !== undefined),
  });
}

async function finishApply(
  req: ApplyRequest,
  runId: string,
  result: ApplyResult,
  lease: ApplyLease,
): Promise<void> {
  const { plan } = req;
  // Every started item has its result stored now: nothing of this run is in flight. After a
  // state failure some result may be missing: the marker stays for the next run to settle.
  // After a lost lock it is not ours to remove: the new holder may be running this plan.
  if (!result.stateFailed && !lease.signal.aborted) await clearOpen(req.store, plan.digest);
  await req.audit.append("apply-summary", {
    runId,
    planDigest: plan.digest,
    counts: result.counts,
    throttled: result.throttled,
    ...(result.aborted ? { aborted: result.aborted } : {}),
  });
}

async function withApplyLock<T>(
  req: ApplyRequest,
  fn: (lease: ApplyLease) => Promise<T>,
): Promise<T> {
  const { plan } = req;
  const attempt = await lockAccount(
    req.store,
    plan.account,
    `apply ${plan.digest}`,
    req.lockOptions,
  );
  if (!attempt.ok) {
    throw refused(
      `another apply holds the lock for account ${plan.account}: ${attempt.holder}; try again when it has finished`,
      "LockHeld",
    );
  }
  try {
    return await fn(attempt.lease);
  } finally {
    await attempt.lease.release().catch(() => {});
  }
}
