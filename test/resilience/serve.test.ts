/**
 * `serve` under crashes and concurrency (issue 8): serve SIGKILLed mid
 * auto-apply and restarted; a CLI apply during serve's auto-apply; two serve
 * processes on one state dir. In every case each approved snapshot is deleted
 * exactly once, nothing else is touched, and the audit log verifies.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ApplyResult } from "../../src/apply/execute.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { APPLY_ARGS, everythingDone } from "./crash-harness.js";
import { auditProblems, duplicates, readAudit } from "./evidence.js";
import { type CliProcess, sleep, spawnCli, waitForOutput } from "./proc.js";
import {
  ACCOUNT,
  bigFleet,
  cliEnv,
  type Dirs,
  isApprovedName,
  makeDirs,
  makePlan,
  repoArgs,
  type WorldShape,
} from "./world.js";

const SMALL: WorldShape = { approvedPerRegion: 40, keptPerRegion: 4, outOfScopePerRegion: 2 };
const SERVE_KILLS = Number(process.env.SNAPGATE_SERVE_CRASH_POINTS ?? 3);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface ServeWorld {
  emulator: RunningEmulator;
  dirs: Dirs;
  env: NodeJS.ProcessEnv;
  initialArns: string[];
  approvedArns: string[];
}

async function serveWorld(shape?: WorldShape): Promise<ServeWorld> {
  const emulator = await startEmulator({ seed: bigFleet(shape) });
  cleanups.push(() => emulator.close());
  const dirs = makeDirs(shape, true);
  const all = emulator.snapshots();
  return {
    emulator,
    dirs,
    env: cliEnv(dirs, emulator.url),
    initialArns: all.map((s) => s.arn),
    approvedArns: all.filter((s) => isApprovedName(s.name)).map((s) => s.arn),
  };
}

async function startServe(w: ServeWorld): Promise<{ proc: CliProcess; url: string }> {
  const proc = spawnCli(
    [
      "serve",
      "--repo",
      w.dirs.repo.dir,
      "--branch",
      "main",
      "--port",
      "0",
      "--interval",
      "0",
      "--concurrency",
      "8",
      "--rate",
      "1000",
    ],
    w.env,
  );
  cleanups.push(() => proc.kill());
  const m = await waitForOutput(proc, /listening on (http:\/\/\S+)/, 30_000);
  return { proc, url: m[1]! };
}

interface Status {
  lastResult: { ok: boolean; error?: string } | null;
  lastApply: { deleted: number; failed: number } | null;
  queue: { running: unknown; pending: unknown };
}

async function statusOf(url: string): Promise<Status> {
  const res = await fetch(`${url}/status`);
  return (await res.json()) as Status;
}

/** Waits until serve finished a reconcile and has nothing running or queued. */
async function waitIdle(url: string, timeoutMs = 60_000): Promise<Status> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await statusOf(url);
    if (s.lastResult !== null && s.queue.running === null && s.queue.pending === null) return s;
    if (Date.now() > deadline)
      throw new Error(`serve not idle after ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await sleep(50);
  }
}

async function waitForDeletes(
  emulator: RunningEmulator,
  count: number,
  proc: CliProcess,
): Promise<boolean> {
  let exited = false;
  void proc.done.then(() => (exited = true));
  while (!exited && emulator.deletedSnapshots().length < count) await sleep(1);
  return !exited;
}

async function expectExactlyOnceAndAudited(w: ServeWorld): Promise<void> {
  const approved = new Set(w.approvedArns);
  const deleted = w.emulator.deletedSnapshots();
  expect(duplicates(deleted.map((d) => d.arn))).toEqual([]);
  expect(deleted.map((d) => d.arn).sort()).toEqual([...approved].sort());
  expect(
    w.emulator
      .snapshots()
      .map((s) => s.arn)
      .sort(),
  ).toEqual(w.initialArns.filter((a) => !approved.has(a)).sort());
  const names = new Set(w.emulator.snapshots().map((s) => s.name));
  const outside = w.emulator
    .calls()
    .filter(
      (c) =>
        c.operation === "DeleteDiskSnapshot" &&
        (!isApprovedName(c.target ?? "") || names.has(c.target ?? "")),
    );
  expect(outside).toEqual([]);
  const v = await runCli(["audit-log", "verify", path.join(w.dirs.stateDir, "audit.jsonl")], w.env);
  expect(v.stdout).toMatch(/intact/);
  expect(v.code).toBe(0);
  expect(auditProblems(await readAudit(w.dirs.stateDir), undefined, deleted)).toEqual([]);
}

describe("serve", () => {
  it(`SIGKILLed ${SERVE_KILLS}× mid auto-apply and restarted: exactly the approved set, once each`, async () => {
    const w = await serveWorld();
    const total = w.approvedArns.length;
    expect(total).toBe(500);
    const log: string[] = [];
    for (let k = 1; k <= SERVE_KILLS; k++) {
      const serve = await startServe(w);
      const before = w.emulator.deletedSnapshots().length;
      const target = Math.floor((k / (SERVE_KILLS + 1)) * total);
      if (!(await waitForDeletes(w.emulator, target, serve.proc)))
        throw new Error(`serve exited: ${serve.proc.stderr()}`);
      await serve.proc.kill();
      log.push(
        `kill ${k}: serve SIGKILLed, emulator deletions ${before}→${w.emulator.deletedSnapshots().length}`,
      );
    }
    const serve = await startServe(w);
    const status = await waitIdle(serve.url, 90_000);
    log.push(
      `final serve: ${JSON.stringify(status.lastResult)} ${JSON.stringify(status.lastApply)}`,
    );
    console.log(`serve crash/resume:\n  ${log.join("\n  ")}`);
    expect(status.lastResult?.ok, JSON.stringify(status)).toBe(true);
    await expectExactlyOnceAndAudited(w);
  }, 180_000);

  it("a CLI apply during serve's auto-apply is refused with the lock message; afterwards it finds everything done", async () => {
    const w = await serveWorld(SMALL);
    await makePlan(w.dirs, w.env);
    // Slow enough that serve's apply (80 deletions, 8 at a time) outlasts the CLI's start-up.
    w.emulator.faults.setLatency(300);
    const serve = await startServe(w);
    expect(await waitForDeletes(w.emulator, 1, serve.proc)).toBe(true);

    const during = await runCli(
      ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS],
      w.env,
    );
    expect(
      w.emulator.deletedSnapshots().length,
      "serve finished before the CLI tried",
    ).toBeLessThan(80);
    expect(during.code).toBe(1);
    expect(during.stderr).toMatch(
      new RegExp(
        `another apply holds the lock for account ${ACCOUNT}: pid ${serve.proc.pid} on \\S+ since \\S+ \\(apply sha256:[0-9a-f]{64}\\); try again when it has finished`,
      ),
    );

    const status = await waitIdle(serve.url);
    expect(status.lastApply).toMatchObject({ deleted: 80, failed: 0 });
    w.emulator.faults.setLatency(0);
    const deleteCalls = w.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot").length;
    const after = await runCli(
      ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS, "--format", "json"],
      w.env,
    );
    expect(after.code, after.stderr).toBe(0);
    // serve's plan has the same digest as ours when the clock is pinned (same journal: done
    // in an earlier run); otherwise our plan finds every snapshot already absent.
    expect(everythingDone(JSON.parse(after.stdout) as ApplyResult, 80)).toBe(true);
    expect(w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toHaveLength(
      deleteCalls,
    );
    await expectExactlyOnceAndAudited(w);
  }, 120_000);

  it("two serve processes on the same state dir: exactly-once, the other one's apply is refused clearly", async () => {
    const w = await serveWorld(SMALL);
    w.emulator.faults.setLatency(20);
    const [a, b] = await Promise.all([startServe(w), startServe(w)]);
    const [sa, sb] = await Promise.all([waitIdle(a.url), waitIdle(b.url)]);
    const statuses = [sa, sb];
    const deletedBy = statuses.map((s) => s.lastApply?.deleted ?? 0);
    // Either one applied everything and the other was refused by the lock, or the other
    // planned after the first finished and found nothing left to delete.
    expect(deletedBy.reduce((x, y) => x + y, 0)).toBe(80);
    const refused = statuses.filter((s) => s.lastResult?.ok === false);
    for (const s of refused)
      expect(s.lastResult?.error).toMatch(/another apply holds the lock for account 111122223333/);
    console.log(
      "two serves:",
      statuses.map((s) => ({ result: s.lastResult, apply: s.lastApply })),
    );
    await expectExactlyOnceAndAudited(w);
  }, 120_000);
});
