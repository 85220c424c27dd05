/**
 * The one way snapgate deletes snapshots, used by the CLI, `serve` and the
 * demo: refuse stale plans, take the account lock, journal, execute, audit.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { LightsailClient } from "@aws-sdk/client-lightsail";
import { proveAccount } from "../apply/account-proof.js";
import { rateLimitedClients } from "../apply/call.js";
import {
  type ApplyItem,
  type ApplyResult,
  emptyOutcomeCounts,
  executePlan,
} from "../apply/execute.js";
import { settleInterrupted } from "../apply/interrupted.js";
import { Journal, journalPath, openMarkerPath } from "../apply/journal.js";
import { AdaptiveRateLimiter } from "../apply/rate-limiter.js";
import { bindRepository } from "../apply/repo-binding.js";
import type { AuditLog } from "../audit-log/log.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import { refused } from "../core/errors.js";
import { describeHolder, tryLock } from "../core/file-lock.js";
import { snapshotKey } from "../core/keys.js";
import type { Plan, PlanDeletion } from "../core/model.js";
import type { IdentityProbe } from "../lightsail/sts.js";
import { redactUrl } from "../source/index.js";
import { approveDerived, type Derivation, preflight } from "./approve.js";

export interface ApplyRequest {
  plan: Plan;
  clients: (region: string) => Pick<LightsailClient, "send">;
  audit: AuditLog;
  stateDir: string;
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

export function lockPath(stateDir: string, account: string): string {
  return path.join(stateDir, "locks", `apply-${account}.lock`);
}

export async function runApply(req: ApplyRequest): Promise<ApplyResult> {
  const { plan } = req;
  const runId = randomUUID();
  const reads = () => rateLimitedClients(req.clients, new AdaptiveRateLimiter(req.rate));
  const repo = bindRepository(plan, req.repo);
  const source = { ...plan.source, repo: redactUrl(repo) };
  if (plan.deletions.length === 0) {
    // Nothing is done, not even settling earlier crashes: without preflight the
    // plan's account is unproven, and a NotFound from the wrong account would
    // be recorded as "absent". The next apply with deletions settles them.
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

  return withApplyLock(req.stateDir, plan, async () => {
    // First, before settling anything or deleting: the credentials are the plan's account's.
    const caller = await proveAccount(plan, req.identity);
    const checks = req.derived
      ? approveDerived(plan, req.derived, req.nowMs)
      : await preflight(plan, {
          cacheDir: req.cacheDir,
          nowMs: req.nowMs,
          requireBranch: req.requireBranch,
          repo,
          clients: reads(),
        });
    if (req.confirm && !(await req.confirm(plan, source)))
      throw refused("apply cancelled: the confirmation did not match", "Cancelled");
    const settled = await settleInterrupted({
      stateDir: req.stateDir,
      account: plan.account,
      currentDigest: plan.digest,
      clients: reads(),
      audit: req.audit,
      runId,
    });

    const journal = await Journal.open(journalPath(req.stateDir, plan.digest));
    const marker = openMarkerPath(req.stateDir, plan.digest);
    // On disk (directory entry included) before the first intent: a crash must never leave
    // intents without their marker. It names the account: only its lock holder settles it.
    await writeFileAtomic(marker, plan.account);
    await req.audit.append("apply-start", {
      runId,
      planDigest: plan.digest,
      commit: plan.source.commit,
      ref: plan.source.ref,
      repo: plan.source.repo,
      policyDigest: plan.policy.digest,
      account: plan.account,
      caller: caller.arn,
      deletions: plan.deletions.length,
      trigger: req.trigger ?? { kind: "cli" },
      resumed: plan.deletions.some((d) => journal.state(snapshotKey(d)) !== undefined),
    });
    const result = await executePlan({
      plan,
      clients: req.clients,
      journal,
      audit: req.audit,
      runId,
      concurrency: req.concurrency,
      rate: req.rate,
      recheck: checks.recheck,
      onItem: req.onItem,
      onStart: req.onStart,
      operationTimeoutMs: req.operationTimeoutMs,
      pollIntervalMs: req.pollIntervalMs,
      signal: req.signal,
    });
    // Every started item has its result now: nothing of this run is in flight.
    await rm(marker, { force: true });
    await req.audit.append("apply-summary", {
      runId,
      planDigest: plan.digest,
      counts: result.counts,
      throttled: result.throttled,
      ...(result.aborted ? { aborted: result.aborted } : {}),
    });
    return settled.length > 0 ? { ...result, source, settled } : { ...result, source };
  });
}

async function withApplyLock<T>(stateDir: string, plan: Plan, fn: () => Promise<T>): Promise<T> {
  await mkdir(path.join(stateDir, "locks"), { recursive: true });
  const attempt = await tryLock(lockPath(stateDir, plan.account), `apply ${plan.digest}`);
  if (!attempt.ok) {
    throw refused(
      `another apply holds the lock for account ${plan.account}: ${describeHolder(attempt.holder)}; try again when it has finished`,
      "LockHeld",
    );
  }
  try {
    return await fn();
  } finally {
    await attempt.lock.release();
  }
}
