/**
 * The fuzz property every loader must keep: a valid result, or a SnapgateError
 * whose every issue names the file (and, for text input, a line and column
 * inside that text) and whose describe() names the file — never another
 * exception. Also: run counts, seeds and a per-target tally. How long an input
 * takes is recorded, never asserted: blow-ups are caught by growth.ts, which
 * compares costs at two sizes instead of against a clock.
 */
import { performance } from "node:perf_hooks";
import {
  type ErrorCode,
  formatIssue,
  type InputIssue,
  SnapgateError,
} from "../../src/core/errors.js";

/** Inputs per property by default; SNAPGATE_FUZZ_RUNS scales it (e.g. 5000 for a long soak). */
export const FUZZ_RUNS = positiveInt(process.env.SNAPGATE_FUZZ_RUNS, 150);
/** Fixed by default so CI is reproducible; SNAPGATE_FUZZ_SEED explores elsewhere. */
export const FUZZ_SEED = positiveInt(process.env.SNAPGATE_FUZZ_SEED, 20261127);
/** A request to a running server that gets no answer in this long is hung (a liveness bound, not a speed target). */
export const HANG_MS = 60_000;

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** fast-check parameters: fixed seed, `scale` × FUZZ_RUNS inputs. */
export function fuzzParams(scale = 1): {
  seed: number;
  numRuns: number;
  interruptAfterTimeLimit: number;
} {
  // Shrinking a slow input re-runs it many times: stop shrinking after a while and report what we have.
  return {
    seed: FUZZ_SEED,
    numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)),
    interruptAfterTimeLimit: 30_000 * Math.max(1, FUZZ_RUNS / 150),
  };
}

/** Counts inputs per target; `print()` writes the summary the lead reports. */
export class Tally {
  private readonly counts = new Map<
    string,
    { ok: number; rejected: number; ms: number; maxMs: number }
  >();

  record(target: string, outcome: "ok" | "rejected", ms = 0): void {
    const entry = this.counts.get(target) ?? { ok: 0, rejected: 0, ms: 0, maxMs: 0 };
    entry[outcome]++;
    entry.ms += ms;
    entry.maxMs = Math.max(entry.maxMs, ms);
    this.counts.set(target, entry);
  }

  total(target: string): number {
    const entry = this.counts.get(target);
    return entry ? entry.ok + entry.rejected : 0;
  }

  print(): void {
    const lines = [...this.counts].map(
      ([target, { ok, rejected, ms, maxMs }]) =>
        `[fuzz] ${target}: ${ok + rejected} inputs (${ok} valid, ${rejected} rejected; ` +
        `${Math.round(ms)} ms in the loader, slowest ${Math.round(maxMs)} ms)`,
    );
    console.log(lines.join("\n"));
  }
}

export interface Expectation {
  /** file names the issues may name (the loader's labels, e.g. `snapshots/web.yaml`) */
  files: readonly string[];
  /** the text of each file, when the input has text positions: issues then need line and col */
  texts?: Readonly<Record<string, string>>;
  /** error codes that count as a clean refusal */
  codes: readonly ErrorCode[];
  /** issues allowed without a position (whole-file problems such as "too large") */
  wholeFile?: RegExp;
}

/** Why a thrown value breaks the contract, or null when it is a clean, located refusal. */
export function contractProblem(err: unknown, expect: Expectation): string | null {
  if (!(err instanceof SnapgateError)) {
    const what = err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err);
    return `threw something other than a SnapgateError: ${what}`;
  }
  if (!expect.codes.includes(err.code)) return `unexpected error code ${err.code}: ${err.message}`;
  const text = err.describe();
  if (text.trim() === "") return "describe() is empty";
  if (!expect.files.some((f) => text.includes(f))) {
    return `describe() names none of ${expect.files.join(", ")}: ${text}`;
  }
  const lineCounts = new Map<string, number>();
  for (const issue of err.issues) {
    const problem = issueProblem(issue, expect, lineCounts);
    if (problem) return `${problem}: ${formatIssue(issue)}`;
  }
  return null;
}

function issueProblem(
  issue: InputIssue,
  expect: Expectation,
  lineCounts: Map<string, number>,
): string | null {
  if (!issue.file) return "issue without a file";
  if (!expect.files.includes(issue.file)) return `issue names an unknown file "${issue.file}"`;
  if (typeof issue.message !== "string" || issue.message.trim() === "")
    return "issue without a message";
  const text = expect.texts?.[issue.file];
  if (text === undefined) return null;
  if (issue.line === undefined || issue.col === undefined) {
    if (expect.wholeFile?.test(issue.message) && issue.field === undefined) return null;
    return "issue without a line and column";
  }
  if (
    !Number.isInteger(issue.line) ||
    !Number.isInteger(issue.col) ||
    issue.line < 1 ||
    issue.col < 1
  ) {
    return "issue with a malformed position";
  }
  let lines = lineCounts.get(issue.file);
  if (lines === undefined) {
    lines = text.split(/\r\n|\r|\n/).length;
    lineCounts.set(issue.file, lines);
  }
  if (issue.line > lines + 1) return `line ${issue.line} is past the end (${lines} lines)`;
  return null;
}

export type Outcome<T> =
  | { kind: "ok"; value: T; ms: number }
  | { kind: "rejected"; error: unknown; ms: number };

/** Runs one input, timing it; never throws itself. */
export async function attempt<T>(run: () => T | Promise<T>): Promise<Outcome<T>> {
  const start = performance.now();
  try {
    const value = await run();
    return { kind: "ok", value, ms: performance.now() - start };
  } catch (error) {
    return { kind: "rejected", error, ms: performance.now() - start };
  }
}

/** Synchronous twin of attempt(), for loaders that are pure functions. */
export function attemptSync<T>(run: () => T): Outcome<T> {
  const start = performance.now();
  try {
    const value = run();
    return { kind: "ok", value, ms: performance.now() - start };
  } catch (error) {
    return { kind: "rejected", error, ms: performance.now() - start };
  }
}

/**
 * Checks one outcome against the contract: throws an Error describing the
 * breach (fast-check then shrinks the input), records it in the tally otherwise.
 * `valid` checks a successful result and returns a problem or null.
 */
export function checkOutcome<T>(
  tally: Tally,
  target: string,
  outcome: Outcome<T>,
  expect: Expectation,
  valid: (value: T) => string | null = () => null,
): void {
  if (outcome.kind === "ok") {
    const problem = valid(outcome.value);
    if (problem) throw new Error(`${target}: accepted an invalid input: ${problem}`);
    tally.record(target, "ok", outcome.ms);
    return;
  }
  const problem = contractProblem(outcome.error, expect);
  if (problem) throw new Error(`${target}: ${problem}`);
  tally.record(target, "rejected", outcome.ms);
}

/** Where `__proto__` appears as a key in a JSON text, as JSON.parse (own properties) sees it. */
export function hasProtoKey(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (Object.hasOwn(value, "__proto__")) return true;
  return Object.values(value).some(hasProtoKey);
}

/** Every object in a result is a plain object or array: nothing hides in a prototype. */
export function inheritedProblem(value: unknown, path = "$"): string | null {
  if (value === null || typeof value !== "object") return null;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    return `${path} has a non-plain prototype`;
  }
  for (const [key, child] of Object.entries(value)) {
    const problem = inheritedProblem(child, `${path}.${key}`);
    if (problem) return problem;
  }
  return null;
}
