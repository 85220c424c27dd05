/**
 * Concurrency (issue 8): two `snapgate apply` processes of the same plan
 * delete each approved snapshot exactly once, and the loser says clearly why;
 * a lock left by a SIGKILLed apply does not block the next one; a lock held
 * by a live process, or by another host, is never stolen.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ApplyResult } from "../../src/apply/execute.js";
import type { Plan } from "../../src/core/model.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { lockPath } from "../../src/reconcile/apply-plan.js";
import { runCli } from "../helpers/cli.js";
import { APPLY_ARGS, everythingDone } from "./crash-harness.js";
import { duplicates } from "./evidence.js";
import { type CliProcess, sleep, spawnCli } from "./proc.js";
import {
  ACCOUNT,
  bigFleet,
  cliEnv,
  type Dirs,
  makeDirs,
  makePlan,
  repoArgs,
  type WorldShape,
} from "./world.js";

const SMALL: WorldShape = { approvedPerRegion: 40, keptPerRegion: 4, outOfScopePerRegion: 2 };
const LOCK_REFUSAL = new RegExp(
  `another apply holds the lock for account ${ACCOUNT}: pid (\\d+) on (\\S+) since \\S+ \\(apply sha256:[0-9a-f]{64}\\); try again when it has finished`,
);

interface Small {
  emulator: RunningEmulator;
  dirs: Dirs;
  env: NodeJS.ProcessEnv;
  plan: Plan;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function smallWorld(): Promise<Small> {
  const emulator = await startEmulator({ seed: bigFleet(SMALL) });
  cleanups.push(() => emulator.close());
  const dirs = makeDirs(SMALL);
  const env = cliEnv(dirs, emulator.url);
  const plan = await makePlan(dirs, env);
  expect(plan.deletions).toHaveLength(80);
  return { emulator, dirs, env, plan };
}

function track(p: CliProcess): CliProcess {
  cleanups.push(() => p.kill());
  return p;
}

/** Each approved snapshot deleted exactly once, nothing else touched. */
function expectExactlyOnce(w: Small): void {
  const approved = w.plan.deletions.map((d) => d.arn).sort();
  const deleted = w.emulator.deletedSnapshots().map((d) => d.arn);
  expect(duplicates(deleted)).toEqual([]);
  expect(deleted.sort()).toEqual(approved);
  const calls = w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");
  const perName = new Map<string, number>();
  for (const c of calls)
    perName.set(`${c.region}/${c.target}`, (perName.get(`${c.region}/${c.target}`) ?? 0) + 1);
  expect([...perName.values()].filter((n) => n !== 1)).toEqual([]);
  expect([...perName.keys()].sort()).toEqual(
    w.plan.deletions.map((d) => `${d.region}/${d.name}`).sort(),
  );
}

async function waitForFile(file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const size = await stat(file).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 0) return;
    await sleep(2);
  }
  throw new Error(`${file} did not appear`);
}

describe("two applies of the same plan", () => {
  for (const offsetMs of [0, 150]) {
    it(`started ${offsetMs} ms apart: exactly-once deletion, the other refuses with the lock message or finds everything done`, async () => {
      const w = await smallWorld();
      const args = [
        "apply",
        w.dirs.planFile,
        ...repoArgs(w.dirs),
        ...APPLY_ARGS,
        "--format",
        "json",
      ];
      const a = track(spawnCli(args, w.env));
      if (offsetMs) await sleep(offsetMs);
      const b = track(spawnCli(args, w.env));
      const results = await Promise.all([a.done, b.done]);

      expectExactlyOnce(w);
      const codes = results.map((r) => r.code).sort();
      expect([
        [0, 0],
        [0, 1],
      ]).toContainEqual(codes);
      const winner = results.find((r) => r.code === 0)!;
      expect((JSON.parse(winner.stdout) as ApplyResult).counts).toEqual({
        deleted: 80,
        absent: 0,
        skipped: 0,
        denied: 0,
        failed: 0,
      });
      const loser = results.find((r) => r !== winner)!;
      if (loser.code === 1) {
        const m = loser.stderr.match(LOCK_REFUSAL);
        expect(m, loser.stderr).not.toBeNull();
        expect(Number(m![1])).toBe(loser === results[0] ? b.pid : a.pid);
        expect(m![2]).toBe(os.hostname());
        expect(loser.stdout).toBe("");
      } else {
        // It started after the winner finished: every item is reported done in an earlier run.
        expect(everythingDone(JSON.parse(loser.stdout) as ApplyResult, 80)).toBe(true);
      }
      // Nobody holds the lock afterwards.
      await expect(stat(lockPath(w.dirs.stateDir, ACCOUNT))).rejects.toThrow(/ENOENT/);
    });
  }

  it("the second apply after the first finished deletes nothing and exits 0", async () => {
    const w = await smallWorld();
    const args = ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS];
    expect((await runCli(args, w.env)).code).toBe(0);
    const callsBefore = w.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot").length;
    const again = await runCli([...args, "--format", "json"], w.env);
    expect(again.code).toBe(0);
    expect(everythingDone(JSON.parse(again.stdout) as ApplyResult, 80)).toBe(true);
    expect(w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toHaveLength(
      callsBefore,
    );
    expectExactlyOnce(w);
  });
});

describe("the account lock", () => {
  it("a lock left by a SIGKILLed apply (dead pid) does not block the next apply", async () => {
    const w = await smallWorld();
    const lock = lockPath(w.dirs.stateDir, ACCOUNT);
    const first = track(
      spawnCli(["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS], w.env),
    );
    await waitForFile(lock);
    await first.kill();
    const left = JSON.parse(await readFile(lock, "utf8")) as { pid: number; host: string };
    expect(left.pid).toBe(first.pid);
    expect(left.host).toBe(os.hostname());

    const next = await runCli(
      ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS],
      w.env,
    );
    expect(next.stderr).not.toMatch(/holds the lock/);
    expect(next.code).toBe(0);
    expectExactlyOnce(w);
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it("two applies racing to take over the same stale lock: exactly-once, one wins", async () => {
    const w = await smallWorld();
    const dead = spawn("true", [], { stdio: "ignore" });
    await new Promise((r) => dead.once("exit", r));
    const lock = lockPath(w.dirs.stateDir, ACCOUNT);
    await mkdir(path.dirname(lock), { recursive: true });
    await writeFile(
      lock,
      JSON.stringify({
        pid: dead.pid,
        host: os.hostname(),
        createdAt: "2026-11-27T07:00:00.000Z",
        purpose: "apply crashed",
        token: "dead",
      }),
    );

    const args = ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS];
    const results = await Promise.all([
      track(spawnCli(args, w.env)).done,
      track(spawnCli(args, w.env)).done,
    ]);
    expectExactlyOnce(w);
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    for (const r of results.filter((r) => r.code !== 0)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(LOCK_REFUSAL);
    }
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it("a lock held by a live process on this host is never stolen", async () => {
    const w = await smallWorld();
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    cleanups.push(async () => {
      holder.kill("SIGKILL");
    });
    const lock = lockPath(w.dirs.stateDir, ACCOUNT);
    await mkdir(path.dirname(lock), { recursive: true });
    const owner = {
      pid: holder.pid,
      host: os.hostname(),
      createdAt: "2026-11-27T07:59:00.000Z",
      purpose: `apply sha256:${"a".repeat(64)}`,
      token: "held-by-test",
    };
    await writeFile(lock, JSON.stringify(owner));

    for (let i = 0; i < 2; i++) {
      const r = await runCli(["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS], w.env);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `another apply holds the lock for account ${ACCOUNT}: pid ${holder.pid} on ${os.hostname()} since 2026-11-27T07:59:00.000Z`,
      );
      expect(r.stderr).toContain("try again when it has finished");
    }
    expect(JSON.parse(await readFile(lock, "utf8"))).toEqual(owner);
    expect(w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toEqual([]);

    // Once the holder is gone the lock is stale and the next apply proceeds.
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    const after = await runCli(
      ["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS],
      w.env,
    );
    expect(after.code).toBe(0);
    expectExactlyOnce(w);
  });

  it("a lock from another host is never stolen, even if its pid is not running here", async () => {
    const w = await smallWorld();
    const lock = lockPath(w.dirs.stateDir, ACCOUNT);
    await mkdir(path.dirname(lock), { recursive: true });
    const owner = {
      pid: 2_147_483_000,
      host: `not-${os.hostname()}`,
      createdAt: "2026-11-27T07:59:00.000Z",
      purpose: "apply elsewhere",
      token: "remote",
    };
    await writeFile(lock, JSON.stringify(owner));
    const r = await runCli(["apply", w.dirs.planFile, ...repoArgs(w.dirs), ...APPLY_ARGS], w.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`pid ${owner.pid} on ${owner.host}`);
    expect(JSON.parse(await readFile(lock, "utf8"))).toEqual(owner);
    expect(w.emulator.deletedSnapshots()).toEqual([]);
  });
});
