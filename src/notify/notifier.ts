/**
 * Delivery in the background: `send` returns at once, so telling people
 * never delays or fails a reconcile. Each target has its own queue (its
 * messages arrive in order; a hanging receiver holds up only itself), each
 * attempt its timeout, each failure a retry after a growing pause. Every
 * message ends with one result — delivered, rejected (4xx), failed (retries
 * exhausted), misconfigured (URL or key unreadable) or dropped (queue full,
 * or shutting down) — counted by the observer (serve: /metrics), logged and
 * written to the audit log under the target's name: who was told, and when.
 * URLs and keys are never logged or recorded.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { AuditLog } from "../audit-log/log.js";
import type { NotificationSpec, NotifyEventKind } from "../core/model.js";
import { type AttemptError, backoffMs, postOnce, requestFor } from "./deliver.js";
import type { NotifyEvent } from "./events.js";
import { type ResolvedTarget, resolveTarget } from "./targets.js";

export type DeliveryResult = "delivered" | "rejected" | "failed" | "misconfigured" | "dropped";

/** Where results are counted (serve's metrics implement it). */
export interface DeliveryObserver {
  attempt(target: string, result: "ok" | AttemptError): void;
  delivered(target: string, event: NotifyEventKind, result: DeliveryResult): void;
}

export interface NotifierOptions {
  /** targets given on the command line or the environment; used with the repository's */
  targets?: readonly NotificationSpec[];
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  audit?: Pick<AuditLog, "append">;
  observer?: DeliveryObserver;
  /** the first pause before a retry (doubling per attempt); default 1 s */
  backoffBaseMs?: number;
  random?: () => number;
  /** messages waiting per target before new ones are dropped */
  maxQueued?: number;
}

interface Lane {
  tail: Promise<void>;
  queued: number;
}

const DEFAULT_BACKOFF_MS = 1_000;
const DEFAULT_MAX_QUEUED = 100;

export class Notifier {
  private readonly lanes = new Map<string, Lane>();
  private intake: Promise<void> = Promise.resolve();
  private readonly stopping = new AbortController();

  constructor(private readonly opts: NotifierOptions = {}) {}

  /** True when any target is configured, on the command line or in `repoTargets`. */
  hasTargets(repoTargets: readonly NotificationSpec[] = []): boolean {
    return (this.opts.targets?.length ?? 0) + repoTargets.length > 0;
  }

  /**
   * Queues `events` for every target that subscribes to them: the command
   * line's and `repoTargets` (the reconciled commit's spec.notifications).
   * Returns at once; never throws.
   */
  send(events: readonly NotifyEvent[], repoTargets: readonly NotificationSpec[] = []): void {
    if (events.length === 0 || this.stopping.signal.aborted) return;
    const specs = this.targetsOf(repoTargets);
    if (specs.length === 0) return;
    // One intake at a time, so that each lane receives messages in the order they were sent.
    this.intake = this.intake
      .then(() => this.dispatch(events, specs))
      .catch((err: unknown) => this.opts.log?.error({ err }, "notification dispatch failed"));
  }

  /** Resolves once every queued message has its result. */
  async idle(): Promise<void> {
    for (;;) {
      const intake = this.intake;
      await intake;
      const tails = [...this.lanes.values()].map((l) => l.tail);
      await Promise.all(tails);
      if (intake === this.intake && [...this.lanes.values()].every((l, i) => l.tail === tails[i]))
        return;
    }
  }

  /**
   * Gives the queued messages `graceMs` to finish, then stops: attempts in
   * flight are cut short and what is still queued is dropped (each counted).
   */
  async stop(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    this.stopping.abort();
    await this.idle();
  }

  /** The command line's targets first; a repository target of the same name is ignored. */
  private targetsOf(repoTargets: readonly NotificationSpec[]): NotificationSpec[] {
    const specs = [...(this.opts.targets ?? [])];
    const names = new Set(specs.map((s) => s.name));
    for (const spec of repoTargets) {
      if (names.has(spec.name)) {
        this.opts.log?.warn(
          { target: spec.name },
          "a notification target of the repository has the name of a command-line target: ignored",
        );
        continue;
      }
      names.add(spec.name);
      specs.push(spec);
    }
    return specs;
  }

  private async dispatch(
    events: readonly NotifyEvent[],
    specs: readonly NotificationSpec[],
  ): Promise<void> {
    const env = this.opts.env ?? process.env;
    for (const spec of specs) {
      const wanted = events.filter((e) => spec.events.includes(e.kind));
      if (wanted.length === 0) continue;
      // Read now, not at start-up: a rotated key or URL is used from the next message on.
      const resolved = await resolveTarget(spec, env);
      for (const event of wanted) {
        const id = randomUUID();
        if (!resolved.ok) {
          this.opts.log?.error(
            { target: spec.name, event: event.kind, deliveryId: id, problem: resolved.problem },
            "notification target misconfigured",
          );
          await this.finish(spec, event, id, "misconfigured", 0, { problem: resolved.problem });
          continue;
        }
        await this.enqueue(resolved.target, event, id);
      }
    }
  }

  private async enqueue(target: ResolvedTarget, event: NotifyEvent, id: string): Promise<void> {
    let lane = this.lanes.get(target.name);
    if (!lane) {
      lane = { tail: Promise.resolve(), queued: 0 };
      this.lanes.set(target.name, lane);
    }
    if (lane.queued >= (this.opts.maxQueued ?? DEFAULT_MAX_QUEUED)) {
      this.opts.log?.error(
        { target: target.name, event: event.kind, deliveryId: id },
        "notification dropped: too many messages waiting for this target",
      );
      await this.finish(target, event, id, "dropped", 0);
      return;
    }
    lane.queued += 1;
    const current = lane;
    lane.tail = lane.tail.then(async () => {
      try {
        await this.deliver(target, event, id);
      } catch (err) {
        this.opts.log?.error({ target: target.name, err }, "notification delivery crashed");
      } finally {
        current.queued -= 1;
      }
    });
  }

  private async deliver(target: ResolvedTarget, event: NotifyEvent, id: string): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) {
      await this.finish(target, event, id, "dropped", 0);
      return;
    }
    const request = requestFor(target, event, { id, time: new Date().toISOString() });
    const log = { target: target.name, event: event.kind, deliveryId: id };
    const attempts = 1 + target.retries;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const r = await postOnce(target.url, request, target.timeoutMs, signal);
      this.opts.observer?.attempt(target.name, r.ok ? "ok" : r.error);
      if (r.ok) {
        this.opts.log?.info({ ...log, attempt, status: r.status }, "notification delivered");
        await this.finish(target, event, id, "delivered", attempt, { status: r.status });
        return;
      }
      const last = !r.retryable || attempt === attempts || signal.aborted;
      this.opts.log?.warn(
        { ...log, attempt, error: r.error, detail: r.detail, willRetry: !last },
        "notification attempt failed",
      );
      if (last) {
        const result = r.retryable ? "failed" : "rejected";
        this.opts.log?.error({ ...log, attempts: attempt, result }, "notification not delivered");
        await this.finish(target, event, id, result, attempt, {
          ...(r.status !== undefined ? { status: r.status } : {}),
          error: r.detail,
        });
        return;
      }
      await pause(
        backoffMs(
          attempt,
          this.opts.backoffBaseMs ?? DEFAULT_BACKOFF_MS,
          this.opts.random ?? Math.random,
        ),
        signal,
      );
    }
  }

  /** One result per message: counted, and recorded in the audit log by the target's name. */
  private async finish(
    target: Pick<ResolvedTarget, "name" | "type">,
    event: NotifyEvent,
    id: string,
    result: DeliveryResult,
    attempts: number,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    this.opts.observer?.delivered(target.name, event.kind, result);
    const audit = this.opts.audit;
    if (!audit) return;
    await audit
      .append("notification", {
        target: target.name,
        targetType: target.type,
        event: event.kind,
        deliveryId: id,
        commit: event.source.commit,
        result,
        attempts,
        ...extra,
      })
      .catch((err: unknown) =>
        this.opts.log?.warn({ err, target: target.name }, "notification: audit record failed"),
      );
  }
}

/** Waits `ms`, or less when `signal` aborts (shutting down: no more retries). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
