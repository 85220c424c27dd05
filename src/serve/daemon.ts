/**
 * `snapgate serve` minus the CLI: wires the HTTP server, the coalescing queue,
 * the poller and the metrics around an injected reconcile function. Reconciles
 * at start, on every valid push, and every interval when the head moved.
 * Signal handling lives in the CLI; stop() is what it calls on SIGTERM.
 */
import { realpathSync } from "node:fs";
import type { Logger } from "pino";
import type { NotificationSpec } from "../core/model.js";
import { outcomeKindOf, type ReasonCode, retryKindOf } from "../core/outcome.js";
import { sharedFor } from "../core/shared-for.js";
import {
  findingsToEvents,
  Notifier,
  type NotifierOptions,
  RepeatFilter,
  reconcileEvents,
} from "../notify/index.js";
import {
  BLOCK_KINDS,
  type ReconcileOutcome,
  type ReconcileResult,
  type ReconcileTrigger,
} from "../reconcile/types.js";
import { redactUrl } from "../source/repo-url.js";
import { createMetrics, type SnapgateMetrics } from "./metrics.js";
import { Poller } from "./poller.js";
import { ReconcileQueue } from "./queue.js";
import { type StatusSnapshot, startServer } from "./server.js";

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
  /** first delay before a transient failure is retried; doubles per attempt up to the interval */
  retryBaseMs?: number;
  /**
   * Notifications: the command line's targets, the audit log, backoff. The
   * repository's spec.notifications come with each reconcile's result.
   */
  notify?: Omit<NotifierOptions, "observer" | "log">;
  /** how long stop() lets queued notifications finish before dropping them; default 5 s */
  notifyGraceMs?: number;
  /**
   * Who holds the apply lock of the state this daemon shares (with other
   * replicas, CLI applies): looked up for each /status, as `lock`.
   */
  lockStatus?: () => Promise<unknown>;
}

/** A transient failure is retried after this, doubling per attempt (capped by the interval). */
const RETRY_BASE_MS = 5_000;
const RETRY_CAP_MS = 5 * 60_000;
const NOTIFY_GRACE_MS = 5_000;

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
    outcome: Omit<ReconcileOutcome, "steps">;
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
  /** resolves when every notification sent so far has its result */
  notificationsIdle(): Promise<void>;
  /** stop accepting, finish the run in flight, drop the pending one; idempotent */
  stop(): Promise<void>;
}

export async function runDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  if (opts.interval > 0 && opts.resolveHead === undefined) {
    throw new TypeError("[snapgate/daemon] resolveHead is required when interval > 0");
  }
  const log = opts.log;
  const metrics = createMetrics();
  const state = new DaemonState();
  const notifications = new ResultNotifications(opts, metrics);
  const retry = new RetryTimer(
    opts.retryBaseMs ?? RETRY_BASE_MS,
    Math.min(RETRY_CAP_MS, opts.interval > 0 ? opts.interval : RETRY_CAP_MS),
    (attempt) => queue.trigger({ kind: "retry", attempt }),
  );

  const queue = new ReconcileQueue({
    log,
    run: (trigger) => {
      log.info({ trigger }, "reconcile starting");
      return opts.reconcile(trigger, { metrics, log });
    },
    onDepthChange: (depth) => metrics.setQueueDepth(depth),
    onResult: (trigger, result, durationMs) => {
      const outcome = outcomeOf(result);
      const next = state.record(trigger, result, outcome, durationMs);
      if (next === "transient") retry.schedule(log, outcome.reason);
      else retry.reset();
      recordResult(metrics, result, outcome, durationMs);
      logResult(log, trigger, result, outcome, durationMs);
      notifications.send(trigger, result, outcome);
    },
  });

  const poller = makePoller(opts, queue, () => state.lastReconciledCommit());
  const status = (): DaemonStatus =>
    state.snapshot({
      repo: redactUrl(opts.repo),
      branch: opts.branch,
      nextPollAt: poller?.nextPollAt?.toISOString() ?? null,
      queue: { depth: queue.depth, running: queue.running ?? null, pending: queue.waiting ?? null },
    });
  const server = await startDaemonServer(opts, queue, status, metrics);
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
    notificationsIdle: () => notifications.idle(),
    stop: () => {
      stopping ??= (async () => {
        retry.reset();
        const closed = server.close();
        await poller?.stop();
        await queue.drain();
        await notifications.stop(opts.notifyGraceMs ?? NOTIFY_GRACE_MS);
        await closed;
      })();
      return stopping;
    },
  };
}

type RunOutcome = Omit<ReconcileOutcome, "steps">;

/** What /status reports of past runs, and which commit counts as reconciled. */
class DaemonState {
  private readonly startedAt = new Date().toISOString();
  private lastResult: DaemonStatus["lastResult"] = null;
  private lastPlanSummary: DaemonStatus["lastPlanSummary"] = null;
  private lastApply: DaemonStatus["lastApply"] = null;
  private reconciles = 0;
  // A terminal failure (bad input, a bad signature) fails the same way until the branch moves.
  private terminalCommit: string | null = null;

  /** records one run; returns whether its failure is worth retrying soon */
  record(
    trigger: ReconcileTrigger,
    result: ReconcileResult,
    outcome: RunOutcome,
    durationMs: number,
  ): ReturnType<typeof retryKindOf> {
    this.reconciles += 1;
    const at = new Date().toISOString();
    this.lastResult = {
      ok: result.ok,
      commit: result.commit,
      at,
      durationMs: Math.round(durationMs),
      trigger,
      outcome: {
        kind: outcome.kind,
        reason: outcome.reason,
        ...(outcome.step ? { step: outcome.step } : {}),
      },
    };
    const next = retryKindOf(outcome.reason);
    this.terminalCommit = next === "terminal" ? result.commit : null;
    if (result.error !== undefined) this.lastResult.error = result.error;
    if (result.planSummary) this.lastPlanSummary = result.planSummary;
    if (result.applied) this.lastApply = { commit: result.commit, at, ...result.applied };
    return next;
  }

  /**
   * What the poller compares the head with: a commit that failed terminally counts as
   * reconciled, so it is not fetched and parsed again every interval until the branch moves.
   */
  lastReconciledCommit(): string | null {
    return this.lastResult?.ok ? this.lastResult.commit : this.terminalCommit;
  }

  snapshot(now: Pick<DaemonStatus, "repo" | "branch" | "nextPollAt" | "queue">): DaemonStatus {
    return {
      ready: this.lastResult?.ok === true,
      repo: now.repo,
      branch: now.branch,
      startedAt: this.startedAt,
      lastCommit: this.lastReconciledCommit(),
      lastResult: this.lastResult,
      lastPlanSummary: this.lastPlanSummary,
      lastApply: this.lastApply,
      nextPollAt: now.nextPollAt,
      queue: now.queue,
      reconciles: this.reconciles,
    };
  }
}

/** Each run's events to the notification targets, repeats filtered, in the background. */
class ResultNotifications {
  private readonly notifier: Notifier;
  private readonly repeats = new RepeatFilter();
  // The last commit's spec.notifications: a run that fails before loading it still tells them.
  private targets: readonly NotificationSpec[] = [];

  constructor(
    private readonly opts: DaemonOptions,
    metrics: SnapgateMetrics,
  ) {
    this.notifier = new Notifier({
      ...opts.notify,
      observer: metrics.notifications,
      log: opts.log,
    });
  }

  send(trigger: ReconcileTrigger, result: ReconcileResult, outcome: RunOutcome): void {
    if (result.notifications) this.targets = result.notifications;
    const context = {
      repo: redactUrl(this.opts.repo),
      ref: this.opts.branch,
      trigger: trigger.kind,
    };
    const events = [
      ...reconcileEvents({ ...result, outcome }, context),
      ...(result.findings
        ? findingsToEvents(
            { repo: context.repo, ref: context.ref, commit: result.commit },
            result.findings,
          )
        : []),
    ];
    // In the background: a receiver that is down never delays the next reconcile.
    this.notifier.send(this.repeats.filter(events), this.targets);
  }

  idle(): Promise<void> {
    return this.notifier.idle();
  }

  stop(graceMs: number): Promise<void> {
    return this.notifier.stop(graceMs);
  }
}

function logResult(
  log: Logger,
  trigger: ReconcileTrigger,
  result: ReconcileResult,
  outcome: RunOutcome,
  durationMs: number,
): void {
  const line = {
    trigger,
    commit: result.commit,
    ok: result.ok,
    outcome: outcome.kind,
    reason: outcome.reason,
    ...(outcome.step ? { step: outcome.step } : {}),
    durationMs: Math.round(durationMs),
  };
  if (result.ok) log.info(line, "reconcile finished");
  else log.error({ ...line, error: result.error }, "reconcile failed");
}

/** Polling, when an interval is set: a moved head queues a reconcile of it. */
function makePoller(
  opts: DaemonOptions,
  queue: ReconcileQueue,
  lastReconciledCommit: () => string | null,
): Poller | undefined {
  if (!(opts.interval > 0 && opts.resolveHead)) return undefined;
  return new Poller({
    intervalMs: opts.interval,
    resolveHead: opts.resolveHead,
    lastReconciledCommit,
    // a poll of the commit already running or queued adds nothing: while a reconcile runs,
    // the last reconciled commit is still the old one, so every tick would queue another
    trigger: (commit) => {
      const queued = [queue.running, queue.waiting];
      if (queued.some((t) => t?.kind === "poll" && t.commit === commit)) return;
      queue.trigger({ kind: "poll", commit });
    },
    log: opts.log,
    ...(opts.random ? { random: opts.random } : {}),
  });
}

function startDaemonServer(
  opts: DaemonOptions,
  queue: ReconcileQueue,
  status: () => DaemonStatus,
  metrics: SnapgateMetrics,
): ReturnType<typeof startServer> {
  // /status answers anyone: its lock read (S3 requests) is shared by the requests of a second
  const lockStatus = opts.lockStatus && sharedFor(LOCK_STATUS_MAX_AGE_MS, opts.lockStatus);
  return startServer({
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    secrets: opts.secrets,
    repos: repoSpellings(opts.repo),
    branch: opts.branch,
    queue,
    status,
    ...(lockStatus
      ? {
          statusExtra: async () => {
            try {
              return { lock: await lockStatus() };
            } catch (err) {
              return { lock: { error: (err as Error).message } };
            }
          },
        }
      : {}),
    metrics,
    log: opts.log,
  });
}

const LOCK_STATUS_MAX_AGE_MS = 1_000;

/** The run's typed outcome; a reconcile body without one is judged by ok and applied. */
function outcomeOf(result: ReconcileResult): RunOutcome {
  if (result.outcome) return result.outcome;
  const reason: ReasonCode = !result.ok
    ? "Internal"
    : result.applied
      ? "Applied"
      : "NothingToDelete";
  return { kind: outcomeKindOf(reason), reason };
}

/** Retries a transient failure soon, backing off, with one timer at a time. */
class RetryTimer {
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
    private readonly fire: (attempt: number) => void,
  ) {}

  schedule(log: Logger, reason: ReasonCode): void {
    if (this.timer) return;
    this.attempt += 1;
    const delay = Math.min(this.capMs, this.baseMs * 2 ** (this.attempt - 1));
    log.warn({ reason, attempt: this.attempt, delayMs: delay }, "transient failure: retrying soon");
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire(this.attempt);
    }, delay);
    this.timer.unref();
  }

  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt = 0;
  }
}

function recordResult(
  metrics: SnapgateMetrics,
  result: ReconcileResult,
  outcome: RunOutcome,
  durationMs: number,
): void {
  metrics.recordReconcile(outcome.kind, outcome.reason, durationMs / 1000);
  if (result.applied) {
    metrics.recordDeletions("deleted", result.applied.deleted);
    metrics.recordDeletions("failed", result.applied.failed);
    metrics.recordDeletions("skipped", result.applied.skipped);
    metrics.setLastAppliedCommitTimestamp(epochSeconds(result.commitTime) ?? Date.now() / 1000);
  }
  for (const kind of BLOCK_KINDS) metrics.recordBlocks(kind, result.blocks?.[kind] ?? 0);
  if (result.freshness) metrics.recordFreshness(result.freshness);
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
