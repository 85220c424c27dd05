/**
 * Kill-and-resume harness: runs `snapgate apply` as a subprocess against an
 * in-process emulator (whose state survives the kills), SIGKILLs it at random
 * points — during start-up, after the emulator recorded k deletes, or a
 * random time after the first delete — and restarts it until it exits 0.
 */
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Plan } from "../../src/core/model.js";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { finalResults, inFlightKeys, readJournal } from "./evidence.js";
import { type CliProcess, sleep, spawnCli } from "./proc.js";

export type KillTrigger =
  | { kind: "startup"; ms: number }
  | { kind: "deletes"; count: number }
  | { kind: "after-first-delete"; ms: number };

export interface KillPoint {
  round: number;
  trigger: string;
  /** emulator deletions before this run started, and when it was killed */
  deletedBefore: number;
  deletedAtKill: number;
  /** journal keys whose last line is an intent: deletes in flight at the kill */
  inFlight: number;
  /** deleted by the emulator but without a journal result yet */
  deletedUnjournaled: number;
  /** lock files the kill left empty (owner not yet written) */
  emptyLocks: string[];
}

export interface CrashReport {
  kills: KillPoint[];
  /** runs that ended on their own with a non-zero exit (e.g. partial), before the final one */
  nonZeroExits: { round: number; code: number; stderr: string }[];
  runs: number;
  finalStdout: string;
}

export interface CrashOptions {
  emulator: RunningEmulator;
  plan: Plan;
  planFile: string;
  /** the repository apply is told the plan comes from (--repo) */
  repo: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  killPoints: number;
  rng: () => number;
  applyArgs?: string[];
  /**
   * Diagnostic only: delete lock files a kill left empty, to see past that
   * known failure (an empty lock is never treated as stale) to later ones.
   */
  removeEmptyLocks?: boolean;
}

/** Without faults a run that was not killed has no reason to fail; three such runs mean apply is wedged. */
const MAX_UNKILLED_FAILURES = 3;

// A rate that keeps a 500-deletion apply running for several seconds, so every kill point lands mid-apply.
export const APPLY_ARGS = ["--auto-approve", "--concurrency", "8", "--rate", "200"];

export function describeTrigger(t: KillTrigger): string {
  if (t.kind === "startup") return `${t.ms} ms after spawn`;
  if (t.kind === "deletes") return `after ${t.count} emulator deletions`;
  return `${t.ms} ms after this run's first deletion`;
}

/** Picks the next kill so that the kills spread over the whole plan. */
function chooseTrigger(
  rng: () => number,
  killIndex: number,
  killsLeft: number,
  done: number,
  total: number,
): KillTrigger {
  const remaining = total - done;
  if (killIndex === 0 || rng() < 0.1) return { kind: "startup", ms: Math.floor(rng() * 1200) };
  if (rng() < 0.5) return { kind: "after-first-delete", ms: Math.floor(rng() * 400) };
  const step = Math.max(1, Math.floor((2 * remaining) / (killsLeft + 1)));
  return { kind: "deletes", count: done + 1 + Math.floor(rng() * step) };
}

/** Resolves true when the trigger fired while the process was still running. */
async function waitForTrigger(
  proc: CliProcess,
  emulator: RunningEmulator,
  trigger: KillTrigger,
): Promise<boolean> {
  let exited = false;
  void proc.done.then(() => (exited = true));
  const spawnedAt = performance.now();
  const before = emulator.deletedSnapshots().length;
  let firstDeleteAt: number | undefined;
  while (!exited) {
    const now = performance.now();
    const deleted = emulator.deletedSnapshots().length;
    if (firstDeleteAt === undefined && deleted > before) firstDeleteAt = now;
    const fire =
      (trigger.kind === "startup" && now - spawnedAt >= trigger.ms) ||
      (trigger.kind === "deletes" && deleted >= trigger.count) ||
      (trigger.kind === "after-first-delete" &&
        firstDeleteAt !== undefined &&
        now - firstDeleteAt >= trigger.ms);
    if (fire) return true;
    await sleep(1);
  }
  return false;
}

export async function crashUntilDone(opts: CrashOptions): Promise<CrashReport> {
  const { emulator, plan } = opts;
  const total = plan.deletions.length;
  const args = ["apply", opts.planFile, "--repo", opts.repo, ...(opts.applyArgs ?? APPLY_ARGS)];
  const kills: KillPoint[] = [];
  const nonZeroExits: CrashReport["nonZeroExits"] = [];
  const maxRuns = opts.killPoints + 10;
  let unkilledFailures = 0;
  for (let round = 1; round <= maxRuns; round++) {
    const deletedBefore = emulator.deletedSnapshots().length;
    const proc = spawnCli(args, opts.env);
    if (kills.length < opts.killPoints && deletedBefore < total) {
      const trigger = chooseTrigger(
        opts.rng,
        kills.length,
        opts.killPoints - kills.length,
        deletedBefore,
        total,
      );
      if (await waitForTrigger(proc, emulator, trigger)) {
        await proc.kill();
        const deletedAtKill = emulator.deletedSnapshots().length;
        const journal = await readJournal(opts.stateDir, plan);
        const results = finalResults(journal);
        const keyOf = new Map(plan.deletions.map((d) => [d.arn, `${d.region}/${d.name}`]));
        const unjournaled = emulator
          .deletedSnapshots()
          .filter((d) => !results.has(keyOf.get(d.arn) ?? "")).length;
        kills.push({
          round,
          trigger: describeTrigger(trigger),
          deletedBefore,
          deletedAtKill,
          inFlight: inFlightKeys(journal).length,
          deletedUnjournaled: unjournaled,
          emptyLocks: await emptyLockFiles(opts.stateDir, opts.removeEmptyLocks ?? false),
        });
        continue;
      }
    }
    const r = await proc.done;
    if (r.code === 0) return { kills, nonZeroExits, runs: round, finalStdout: r.stdout };
    nonZeroExits.push({ round, code: r.code, stderr: r.stderr.slice(-2000) });
    unkilledFailures++;
    if (unkilledFailures >= MAX_UNKILLED_FAILURES) {
      throw new Error(
        `apply exited non-zero ${unkilledFailures} times without being killed, after ${kills.length} kills (it does not recover):\n${formatKills(kills)}\nlast exits: ${JSON.stringify(nonZeroExits.slice(-MAX_UNKILLED_FAILURES), null, 2)}`,
      );
    }
  }
  throw new Error(
    `apply did not finish with exit 0 after ${maxRuns} runs: ${JSON.stringify(nonZeroExits)}`,
  );
}

/** Lock files (the audit log's and the apply locks) that exist but are empty. */
async function emptyLockFiles(stateDir: string, remove: boolean): Promise<string[]> {
  const candidates = [path.join(stateDir, "audit.jsonl.lock")];
  const locks = await readdir(path.join(stateDir, "locks")).catch(() => [] as string[]);
  candidates.push(...locks.map((f) => path.join(stateDir, "locks", f)));
  const empty: string[] = [];
  for (const file of candidates) {
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== 0) continue;
    empty.push(path.relative(stateDir, file));
    if (remove) await rm(file, { force: true });
  }
  return empty;
}

/**
 * An apply result that did nothing new: every item either done by an earlier run of
 * the same plan (same journal) or found already absent.
 */
export function everythingDone(
  r: { counts: Record<string, number>; items: { outcome: string; detail: string }[] },
  total: number,
): boolean {
  return (
    r.items.length === total &&
    r.items.every(
      (i) =>
        (i.outcome === "deleted" && i.detail.endsWith("(in an earlier run)")) ||
        i.outcome === "absent",
    )
  );
}

export function formatKills(kills: readonly KillPoint[]): string {
  const rows = kills.map(
    (k) =>
      `  #${String(k.round).padStart(2)} ${k.trigger.padEnd(38)} deleted ${String(k.deletedBefore).padStart(3)}→${String(k.deletedAtKill).padStart(3)}  in flight ${k.inFlight}  deleted-not-journaled ${k.deletedUnjournaled}${k.emptyLocks.length ? `  EMPTY LOCK ${k.emptyLocks.join(", ")}` : ""}`,
  );
  return [`${kills.length} kill points exercised:`, ...rows].join("\n");
}
