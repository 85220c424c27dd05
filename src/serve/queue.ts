/**
 * One reconcile at a time, bursts coalesced. While a run is in flight, any
 * number of new triggers collapse into ONE pending run that starts when the
 * current one ends, so ten pushes cost at most two reconciles. The pending
 * run keeps the newest trigger; it still ends on the latest commit because
 * the reconcile re-resolves the branch head itself rather than trusting the
 * commit in the trigger.
 *
 * drain() (SIGTERM): stop accepting, wait for the run in flight, DROP the
 * pending one. Nothing is lost by dropping it: the daemon reconciles at start,
 * so the next process picks up whatever the dropped run would have seen, and
 * shutdown is not held hostage by a run that has not begun.
 */
import type { Logger } from "pino";
import type { ReconcileResult, ReconcileTrigger } from "../reconcile/types.js";

export interface ReconcileQueueOptions {
  run: (trigger: ReconcileTrigger) => Promise<ReconcileResult>;
  /** called after every run, with its wall-clock duration */
  onResult?: (trigger: ReconcileTrigger, result: ReconcileResult, durationMs: number) => void;
  onDepthChange?: (depth: number) => void;
  log?: Logger;
}

export class ReconcileQueue {
  private inFlight: { trigger: ReconcileTrigger; done: Promise<void> } | undefined;
  private pending: ReconcileTrigger | undefined;
  private accepting = true;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: ReconcileQueueOptions) {}

  /** Queue a reconcile. False once draining: the caller should answer 503. */
  trigger(trigger: ReconcileTrigger): boolean {
    if (!this.accepting) return false;
    if (this.inFlight === undefined) {
      this.start(trigger);
    } else {
      const absorbed = this.pending === undefined ? 0 : 1 + (this.pending.coalesced ?? 0);
      this.pending = { ...trigger, coalesced: absorbed + (trigger.coalesced ?? 0) };
      this.depthChanged();
    }
    return true;
  }

  get depth(): number {
    return (this.inFlight ? 1 : 0) + (this.pending ? 1 : 0);
  }

  get running(): ReconcileTrigger | undefined {
    return this.inFlight?.trigger;
  }

  get waiting(): ReconcileTrigger | undefined {
    return this.pending;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Resolves when nothing is running or pending (tests, start-up). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop accepting, drop the pending run, wait for the one in flight. */
  async drain(): Promise<void> {
    this.accepting = false;
    if (this.pending) {
      this.options.log?.info(
        { trigger: this.pending },
        "dropping the pending reconcile on shutdown; the next start-up reconcile covers it",
      );
      this.pending = undefined;
      this.depthChanged();
    }
    await this.inFlight?.done;
  }

  private start(trigger: ReconcileTrigger): void {
    const done = this.execute(trigger).finally(() => {
      this.inFlight = undefined;
      const next = this.pending;
      this.pending = undefined;
      if (next && this.accepting) this.start(next);
      else this.depthChanged();
    });
    this.inFlight = { trigger, done };
    this.depthChanged();
  }

  private async execute(trigger: ReconcileTrigger): Promise<void> {
    const started = performance.now();
    let result: ReconcileResult;
    try {
      result = await this.options.run(trigger);
    } catch (err) {
      // The reconcile should report failure as a value; a throw is still a failed run.
      result = { commit: null, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    try {
      this.options.onResult?.(trigger, result, performance.now() - started);
    } catch (err) {
      this.options.log?.error({ err }, "recording a reconcile result failed");
    }
  }

  private depthChanged(): void {
    const depth = this.depth;
    this.options.onDepthChange?.(depth);
    if (depth === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
