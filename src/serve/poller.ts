/**
 * Polling fallback for when no webhook arrives (missed delivery, no network
 * path from the git host). Every interval (±10% jitter, so several daemons do
 * not hit the git host in step) it resolves the branch head and triggers a
 * reconcile when it differs from the last reconciled commit. A last commit of
 * null (never reconciled, or the last run failed) always differs, so a failing
 * reconcile is retried once per interval.
 */
import type { Logger } from "pino";
import { badInput } from "../core/errors.js";

export interface PollerOptions {
  intervalMs: number;
  /** fraction of the interval to jitter by, both ways; default 0.1 */
  jitter?: number;
  resolveHead: () => Promise<string>;
  lastReconciledCommit: () => string | null;
  trigger: (commit: string) => void;
  log?: Logger;
  /** injectable for tests; default Math.random */
  random?: () => number;
  /** injectable for tests; default Date.now */
  now?: () => number;
}

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inPoll: Promise<void> | undefined;
  private next: Date | null = null;

  constructor(private readonly options: PollerOptions) {
    if (!(options.intervalMs > 0)) throw new TypeError("[snapgate/poller] intervalMs must be > 0");
  }

  /** When the next poll is due; null when stopped. */
  get nextPollAt(): Date | null {
    return this.next;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.next = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inPoll;
  }

  /** One poll now; resolves to whether it triggered. Errors are logged, not thrown. */
  async pollOnce(): Promise<boolean> {
    let head: string;
    try {
      head = await this.options.resolveHead();
    } catch (err) {
      this.options.log?.warn({ err }, "poll: resolving the branch head failed");
      return false;
    }
    if (head === this.options.lastReconciledCommit()) return false;
    this.options.log?.info({ head }, "poll: branch head changed, queueing a reconcile");
    this.options.trigger(head);
    return true;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = jittered(
      this.options.intervalMs,
      this.options.jitter ?? 0.1,
      this.options.random,
    );
    this.next = new Date((this.options.now ?? Date.now)() + delay);
    this.timer = setTimeout(() => {
      this.inPoll = this.pollOnce().then(
        () => this.schedule(),
        () => this.schedule(),
      );
    }, delay);
    this.timer.unref();
  }
}

export function jittered(
  intervalMs: number,
  jitter: number,
  random: () => number = Math.random,
): number {
  return Math.max(1, Math.round(intervalMs * (1 + (random() * 2 - 1) * jitter)));
}

const INTERVAL_PART = /(\d+)(h|m|s)/g;

/**
 * `--interval`: `30s`, `5m`, `1h`, `1h30m`; `0` disables polling (returns 0).
 * Anything else is BadInput naming the flag.
 */
export function parseInterval(text: string, flag = "--interval"): number {
  const value = text.trim();
  if (value === "0") return 0;
  if (!/^(?:\d+[hms])+$/.test(value)) {
    throw badInput([
      {
        file: flag,
        message: `"${text}" is not a duration like 30s, 5m, 1h or 1h30m (0 disables polling)`,
      },
    ]);
  }
  const unitMs = { h: 3_600_000, m: 60_000, s: 1_000 } as const;
  let total = 0;
  for (const [, amount, unit] of value.matchAll(INTERVAL_PART)) {
    total += Number(amount) * unitMs[unit as keyof typeof unitMs];
  }
  if (total < 1_000 || total > 7 * 24 * 3_600_000) {
    throw badInput([{ file: flag, message: `"${text}" must be between 1s and 168h` }]);
  }
  return total;
}
