/**
 * What `apply` tells the operator while it runs: one line per item as it finishes (on a TTY
 * too, above a redrawn progress line), a rate and ETA from this run's own items, and — when
 * interrupted — what was done, what was in flight and how to resume.
 */
import type { ApplyItem } from "../apply/execute.js";
import type { ItemOutcome } from "../apply/journal.js";
import { snapshotKey } from "../core/keys.js";
import type { PlanDeletion } from "../core/model.js";

export interface ProgressOptions {
  /** false for --format json: stderr stays quiet */
  enabled: boolean;
  /** stderr is a terminal: keep a progress line under the item lines */
  tty: boolean;
  write: (text: string) => void;
  /** the plan's deletions */
  total: number;
  /** milliseconds, monotonic (performance.now in the CLI; a fake clock in tests) */
  now: () => number;
}

const CLEAR_LINE = "\r\u001b[2K";

export class ApplyProgress {
  private readonly inFlight = new Map<string, PlanDeletion>();
  private readonly counts: Record<ItemOutcome, number> = {
    deleted: 0,
    absent: 0,
    skipped: 0,
    denied: 0,
    failed: 0,
  };
  private done = 0;
  private readonly total: number;
  /** items this run finished itself (not read back from an earlier run's journal) */
  private thisRun = 0;
  private replayed = 0;
  private failures = 0;
  private firstStartMs: number | undefined;
  private drawn = false;

  constructor(private readonly opts: ProgressOptions) {
    this.total = opts.total;
  }

  /** Whether any deletion was started: before that, an interrupt leaves nothing to wait for. */
  get started(): boolean {
    return this.firstStartMs !== undefined;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  readonly onStart = (d: PlanDeletion): void => {
    this.firstStartMs ??= this.opts.now();
    this.inFlight.set(snapshotKey(d), d);
  };

  readonly onItem = (item: ApplyItem, done: number, _total: number, replayed: boolean): void => {
    this.inFlight.delete(snapshotKey(item));
    this.done = done;
    this.counts[item.outcome]++;
    if (replayed) this.replayed++;
    else this.thisRun++;
    if (item.outcome === "failed" || item.outcome === "denied") this.failures++;
    if (!this.opts.enabled) return;
    const line = `${item.outcome.padEnd(8)} ${item.region}/${item.name}: ${item.detail}\n`;
    if (this.opts.tty) {
      this.opts.write(`${this.drawn ? CLEAR_LINE : ""}${line}${this.progressLine()}`);
      this.drawn = true;
    } else {
      this.opts.write(line);
    }
  };

  /** The progress line: counts, and a rate and ETA from this run's items only. */
  progressLine(): string {
    const resumed = this.replayed > 0 ? ` (${this.replayed} from an earlier run)` : "";
    const base = `${this.done}/${this.total}${resumed}`;
    const elapsedMs = this.firstStartMs === undefined ? 0 : this.opts.now() - this.firstStartMs;
    const pace =
      this.thisRun > 0 && elapsedMs > 0
        ? (() => {
            const rate = this.thisRun / (elapsedMs / 1000);
            const eta = Math.ceil((this.total - this.done) / rate);
            return ` · ${rate.toFixed(1)}/s · ETA ${eta}s`;
          })()
        : " · ETA –";
    return `${base}${pace} · ${this.failures} failed`;
  }

  /** Ends the progress line so what follows starts on a line of its own. */
  finish(): void {
    if (this.opts.enabled && this.opts.tty && this.drawn) this.opts.write("\n");
    this.drawn = false;
  }

  /**
   * After SIGINT/SIGTERM: what this run did, what was still in flight, and the command that
   * resumes (the journal makes a re-run skip what is done and settle what was in flight).
   */
  interruptReport(opts: { signal: string; resume: string; waited: boolean }): string {
    const c = this.counts;
    const notStarted = this.total - this.done - this.inFlight.size;
    const lines = [
      `snapgate: apply interrupted by ${opts.signal}.`,
      `  done: ${this.done} of ${this.total} planned deletion(s)` +
        (this.replayed > 0 ? ` (${this.replayed} by an earlier run)` : "") +
        ` — ${c.deleted} deleted, ${c.absent} already absent, ${c.skipped} skipped, ${c.denied} denied, ${c.failed} failed`,
    ];
    if (this.inFlight.size > 0) {
      lines.push(
        `  in flight: ${this.inFlight.size} — their delete may or may not have landed; the journal holds their intent and the next apply settles them:`,
        ...[...this.inFlight.values()].map((d) => `    ${d.region}/${d.name}`),
      );
    } else if (opts.waited && this.started) {
      lines.push("  in flight: none (the deletions in flight finished before stopping)");
    } else {
      lines.push("  in flight: none");
    }
    lines.push(
      `  not started: ${Math.max(notStarted, 0)}${this.thisRun === 0 && this.inFlight.size === 0 ? " (nothing was deleted by this run)" : ""}`,
    );
    lines.push(`  resume with: ${opts.resume}`);
    return `${lines.join("\n")}\n`;
  }
}

/** The command line that ran, quoted for a POSIX shell, as `snapgate …`. */
export function resumeCommand(args: readonly string[]): string {
  return ["snapgate", ...args.map(shellQuote)].join(" ");
}

export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
