/**
 * `snapgate serve` minus the CLI: wires the HTTP server, the coalescing queue,
 * the poller and the metrics around an injected reconcile function. Reconciles
 * at start, on every valid push, and every interval when the head moved.
 * Signal handling lives in the CLI; stop() is what it calls on SIGTERM.
 */
import { realpathSync } from "node:fs";
import type { Logger } from "pino";
import { redactUrl } from "../source/repo-url.js";
import { createMetrics, type SnapgateMetrics } from "./metrics.js";
import { Poller } from "./poller.js";
import { ReconcileQueue } from "./queue.js";
import { type StatusSnapshot, startServer } from "./server.js";
import { BLOCK_KINDS, type ReconcileResult, type ReconcileTrigger } from "./types.js";

export interface ReconcileContext {
  metrics: SnapgateMetrics;
  log: Logger;
}

export interface DaemonOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** webhook secrets; empty disables the webhook endpoints (503), polling still works */
  secrets: readonly string[];
  repo: string;
  branch: string;
  /** polling interval in ms (see parseInterval); 0 disables polling */
  interval: number;
  reconcile: (trigger: ReconcileTrigger, context: ReconcileContext) => Promise<ReconcileResult>;
  /** the branch head as the remote has it now; required when interval > 0 */
  resolveHead?: () => Promise<string>;
  log: Logger;
  /** injectable for tests (jitter) */
  random?: () => number;
}

export interface DaemonStatus extends StatusSnapshot {
  repo: string;
  branch: string;
  startedAt: string;
  lastCommit: string | null;
  lastResult: {
    ok: boolean;
    commit: string | null;
    at: string;
    durationMs: number;
    trigger: ReconcileTrigger;
    error?: string;
  } | null;
  lastPlanSummary: Record<string, unknown> | null;
  lastApply: {
    commit: string | null;
    at: string;
    deleted: number;
    failed: number;
    skipped: number;
  } | null;
  nextPollAt: string | null;
  queue: { depth: number; running: ReconcileTrigger | null; pending: ReconcileTrigger | null };
  reconciles: number;
}

export interface RunningDaemon {
  url: string;
  port: number;
  metrics: SnapgateMetrics;
  status(): DaemonStatus;
  /** resolves when no reconcile is running or pending */
  idle(): Promise<void>;
  /** stop accepting, finish the run in flight, drop the pending one; idempotent */
  stop(): Promise<void>;
}

export async function runDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  if (opts.interval > 0 && opts.resolveHead === undefined) {
    throw new TypeError("[snapgate/daemon] resolveHead is required when interval > 0");
  }
  const log = opts.log;
  const metrics = createMetrics();
  const startedAt = new Date().toISOString();
  let lastResult: DaemonStatus["lastResult"] = null;
  let lastPlanSummary: DaemonStatus["lastPlanSummary"] = null;
  let lastApply: DaemonStatus["lastApply"] = null;
  let reconciles = 0;

  const queue = new ReconcileQueue({
    log,
    run: (trigger) => {
      log.info({ trigger }, "reconcile starting");
      return opts.reconcile(trigger, { metrics, log });
    },
    onDepthChange: (depth) => metrics.setQueueDepth(depth),
    onResult: (trigger, result, durationMs) => {
      reconciles += 1;
      const at = new Date().toISOString();
      lastResult = {
        ok: result.ok,
        commit: result.commit,
        at,
        durationMs: Math.round(durationMs),
        trigger,
      };
      if (result.error !== undefined) lastResult.error = result.error;
      if (result.planSummary) lastPlanSummary = result.planSummary;
      if (result.applied) lastApply = { commit: result.commit, at, ...result.applied };
      recordResult(metrics, result, durationMs);
      const line = {
        trigger,
        commit: result.commit,
        ok: result.ok,
        durationMs: Math.round(durationMs),
      };
      if (result.ok) log.info(line, "reconcile finished");
      else log.error({ ...line, error: result.error }, "reconcile failed");
    },
  });

  const lastReconciledCommit = () => (lastResult?.ok ? lastResult.commit : null);
  const poller =
    opts.interval > 0 && opts.resolveHead
      ? new Poller({
          intervalMs: opts.interval,
          resolveHead: opts.resolveHead,
          lastReconciledCommit,
          trigger: (commit) => queue.trigger({ kind: "poll", commit }),
          log,
          ...(opts.random ? { random: opts.random } : {}),
        })
      : undefined;

  const status = (): DaemonStatus => ({
    ready: lastResult?.ok === true,
    repo: redactUrl(opts.repo),
    branch: opts.branch,
    startedAt,
    lastCommit: lastReconciledCommit(),
    lastResult,
    lastPlanSummary,
    lastApply,
    nextPollAt: poller?.nextPollAt?.toISOString() ?? null,
    queue: { depth: queue.depth, running: queue.running ?? null, pending: queue.waiting ?? null },
    reconciles,
  });

  const server = await startServer({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    secrets: opts.secrets,
    repos: repoSpellings(opts.repo),
    branch: opts.branch,
    queue,
    status,
    metrics,
    log,
  });
  if (opts.secrets.length === 0) {
    log.warn("no webhook secret configured: webhook endpoints answer 503, relying on polling");
  }
  queue.trigger({ kind: "start" });
  poller?.start();

  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    metrics,
    status,
    idle: () => queue.idle(),
    stop: () => {
      stopping ??= (async () => {
        const closed = server.close();
        await poller?.stop();
        await queue.drain();
        await closed;
      })();
      return stopping;
    },
  };
}

function recordResult(metrics: SnapgateMetrics, result: ReconcileResult, durationMs: number): void {
  const outcome = !result.ok ? "failed" : result.applied ? "applied" : "planned";
  metrics.recordReconcile(outcome, durationMs / 1000);
  if (result.applied) {
    metrics.recordDeletions("deleted", result.applied.deleted);
    metrics.recordDeletions("failed", result.applied.failed);
    metrics.recordDeletions("skipped", result.applied.skipped);
    metrics.setLastAppliedCommitTimestamp(epochSeconds(result.commitTime) ?? Date.now() / 1000);
  }
  for (const kind of BLOCK_KINDS) metrics.recordBlocks(kind, result.blocks?.[kind] ?? 0);
}

function epochSeconds(time: string | number | undefined): number | undefined {
  if (typeof time === "number") return Number.isFinite(time) ? time : undefined;
  if (typeof time === "string") {
    const ms = Date.parse(time);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

/** A local repo may reach us as its realpath (hooks use `pwd -P`); match both spellings. */
function repoSpellings(repo: string): string[] {
  try {
    const real = realpathSync(repo);
    return real === repo ? [repo] : [repo, real];
  } catch {
    return [repo];
  }
}
