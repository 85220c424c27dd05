import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { withFileLock } from "../../src/source/cache-lock.js";
import { checkoutSource } from "../../src/source/index.js";
import { cacheKeyFor } from "../../src/source/repo-url.js";
import { makeRepo, RECONCILER_YAML, removeDir, tempDir } from "./git-fixtures.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

function lockDir(): string {
  const dir = tempDir("lock");
  cleanup.push(() => removeDir(dir));
  return dir;
}

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  return Number(child.stdout.trim());
}

/** A lock file as core/file-lock writes it, held by `pid` on `host`. */
function ownerRecord(pid: number | undefined, host = hostname()): string {
  return JSON.stringify({
    pid,
    host,
    createdAt: new Date().toISOString(),
    purpose: "test holder",
    token: `token-${pid}`,
  });
}

function liveProcess(): ChildProcess {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  cleanup.push(() => {
    child.kill();
  });
  return child;
}

describe("withFileLock", () => {
  it("runs callers one at a time and removes the lock afterwards", async () => {
    const lock = join(lockDir(), "x.lock");
    const events: string[] = [];
    const task = (name: string) =>
      withFileLock(lock, { timeoutMs: 5000, what: "x" }, async () => {
        events.push(`${name}:start`);
        expect(JSON.parse(readFileSync(lock, "utf8"))).toMatchObject({
          pid: process.pid,
          host: hostname(),
          purpose: "x",
        });
        await new Promise((resolve) => setTimeout(resolve, 30));
        events.push(`${name}:end`);
      });
    await Promise.all([task("a"), task("b"), task("c")]);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]?.replace(":start", "")).toBe(events[i + 1]?.replace(":end", ""));
    }
    expect(events).toHaveLength(6);
    expect(existsSync(lock)).toBe(false);
  });

  it("releases the lock when the work throws", async () => {
    const lock = join(lockDir(), "x.lock");
    await expect(
      withFileLock(lock, { timeoutMs: 1000, what: "x" }, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(lock)).toBe(false);
  });

  it("breaks a lock left by a process that is gone", async () => {
    const lock = join(lockDir(), "x.lock");
    writeFileSync(lock, ownerRecord(deadPid()));
    const result = await withFileLock(lock, { timeoutMs: 1000, what: "x" }, async () => "ran");
    expect(result).toBe("ran");
    expect(existsSync(lock)).toBe(false);
  });

  it("never steals a live lock: waits, then fails naming the holder", async () => {
    const lock = join(lockDir(), "x.lock");
    const holder = liveProcess();
    const record = ownerRecord(holder.pid);
    writeFileSync(lock, record);
    let ran = false;
    const err = await withFileLock(
      lock,
      { timeoutMs: 300, what: "the git cache of r" },
      async () => {
        ran = true;
      },
    ).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).message).toContain(
      `the git cache of r is locked by pid ${holder.pid} on ${hostname()}`,
    );
    expect(readFileSync(lock, "utf8")).toBe(record);
  });

  it("treats a lock from another host as live", async () => {
    const lock = join(lockDir(), "x.lock");
    writeFileSync(lock, ownerRecord(deadPid(), "some-other-host"));
    const err = await withFileLock(
      lock,
      { timeoutMs: 200, what: "x" },
      async () => undefined,
    ).catch((e: unknown) => e);
    expect((err as SnapgateError).code).toBe("SourceFailed");
    expect(existsSync(lock)).toBe(true);
  });

  it("proceeds once a live holder lets go", async () => {
    const lock = join(lockDir(), "x.lock");
    const holder = liveProcess();
    writeFileSync(lock, ownerRecord(holder.pid));
    setTimeout(() => holder.kill(), 150);
    const result = await withFileLock(lock, { timeoutMs: 10_000, what: "x" }, async () => "ran");
    expect(result).toBe("ran");
  });
});

describe("checkoutSource and the cache lock", () => {
  it("waits for a live holder of the repository's cache lock and gives up with SourceFailed", async () => {
    const repo = makeRepo({ "snapgate.yaml": RECONCILER_YAML });
    const cacheDir = tempDir("cache");
    cleanup.push(
      () => removeDir(repo),
      () => removeDir(cacheDir),
    );
    const holder = liveProcess();
    writeFileSync(join(cacheDir, `${cacheKeyFor(repo)}.lock`), ownerRecord(holder.pid));
    const err = await checkoutSource({ repo, cacheDir, lockTimeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect((err as SnapgateError).code).toBe("SourceFailed");
    expect((err as SnapgateError).message).toContain(`locked by pid ${holder.pid}`);
  });
});
