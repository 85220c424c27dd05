import { mkdir, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { tryLock } from "../../src/core/file-lock.js";
import { listLocks, releaseLock } from "../../src/state/locks.js";
import {
  applyLockName,
  type HeldLock,
  type LockBody,
  listS3Locks,
  releaseS3Lock,
  s3LockKey,
  tryS3Lock,
} from "../../src/state/s3-lock.js";
import { DirStateStore } from "../../src/state/store.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("locks");
});
afterAll(async () => {
  await gw?.stop();
});

let n = 0;
/** Each test its own prefix; each contender its own client (as separate processes would). */
function stores(count: number) {
  const prefix = `t${++n}`;
  return Array.from({ length: count }, () => gw.store("locks", prefix, gw.newClient()));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const held: HeldLock[] = [];
afterAll(async () => {
  for (const l of held) await l.release().catch(() => {});
});

describe("the S3 apply lock", () => {
  it("exactly one of several concurrent contenders gets it; the others are told who holds it", async () => {
    const contenders = stores(6);
    const attempts = await Promise.all(
      contenders.map((s, i) => tryS3Lock(s, applyLockName("111122223333"), `apply #${i}`)),
    );
    const winners = attempts.filter((a) => a.ok);
    expect(winners).toHaveLength(1);
    const lock = (winners[0] as { lock: HeldLock }).lock;
    held.push(lock);
    expect(lock.isValid()).toBe(true);
    for (const a of attempts.filter((a) => !a.ok)) {
      expect(a.ok ? undefined : a.holder).toMatchObject({
        where: "s3",
        name: "apply-111122223333",
        lockId: lock.lockId,
        pid: process.pid,
        host: os.hostname(),
        expired: false,
      });
    }
  });

  it("a renewed lease outlives its duration: contenders are still refused", async () => {
    const [holder, contender] = stores(2);
    const first = await tryS3Lock(holder!, "apply-renewed", "apply", {
      leaseMs: 2000,
      renewEveryMs: 300,
    });
    if (!first.ok) throw new Error("the first contender did not get the lock");
    held.push(first.lock);
    await sleep(4500); // more than the lease plus the servers' one-second clock
    expect(first.lock.isValid()).toBe(true);
    const second = await tryS3Lock(contender!, "apply-renewed", "apply");
    expect(second.ok).toBe(false);
    expect(second.ok ? "" : second.holder?.lockId).toBe(first.lock.lockId);
  });

  it("a lease left by a dead holder is taken over by exactly one of several contenders", async () => {
    const contenders = stores(5);
    const dead: LockBody = {
      lockId: "dead-holder",
      host: "gone.example",
      pid: 4242,
      purpose: "apply sha256:dead",
      acquiredAt: new Date().toISOString(),
      leaseMs: 1000,
      renewals: 0,
      renewedAt: new Date().toISOString(),
    };
    const store = contenders[0]!;
    expect(await store.createExclusive(s3LockKey("apply-dead"), JSON.stringify(dead))).toBe(true);
    const early = await tryS3Lock(store, "apply-dead", "apply");
    expect(early.ok).toBe(false);
    // Expiry is the server's call: wait until the server's clock says so.
    await until("the dead lease to expire", async () =>
      (await listS3Locks(store)).some((l) => l.lockId === "dead-holder" && l.expired),
    );
    const attempts = await Promise.all(
      contenders.map((s, i) => tryS3Lock(s, "apply-dead", `takeover #${i}`)),
    );
    const winners = attempts.filter((a) => a.ok);
    expect(winners).toHaveLength(1);
    const lock = (winners[0] as { lock: HeldLock }).lock;
    held.push(lock);
    const [info] = await listS3Locks(store);
    expect(info).toMatchObject({ lockId: lock.lockId, expired: false });
  });

  it("a holder whose lease ran out unrenewed stops at once: isValid false, signal aborted", async () => {
    const [store] = stores(1);
    const a = await tryS3Lock(store!, "apply-lapsed", "apply", {
      leaseMs: 1200,
      renewEveryMs: 60_000,
    });
    if (!a.ok) throw new Error("no lock");
    held.push(a.lock);
    expect(a.lock.isValid()).toBe(true);
    await sleep(1300);
    expect(a.lock.isValid()).toBe(false);
    expect(a.lock.signal.aborted).toBe(true);
    expect(() => a.lock.assertHeld()).toThrow(/lost the lock apply-lapsed .*no further deletions/);
  });

  it("a holder whose machine was suspended (the wall clock moved on, the monotonic one did not) stops at once", async () => {
    const [store] = stores(1);
    const a = await tryS3Lock(store!, "apply-suspended", "apply", {
      leaseMs: 30_000,
      renewEveryMs: 60_000,
    });
    if (!a.ok) throw new Error("no lock");
    held.push(a.lock);
    expect(a.lock.isValid()).toBe(true);
    // Linux's monotonic clock stands still while the system is suspended; the wall clock (and
    // the S3 server's, by which contenders take the lock over) does not.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 60_000 });
    try {
      expect(a.lock.isValid()).toBe(false);
      expect(() => a.lock.assertHeld()).toThrow(/lost the lock apply-suspended/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a holder whose lock was taken from it learns it on its next renewal", async () => {
    const [mine, theirs] = stores(2);
    const a = await tryS3Lock(mine!, "apply-taken", "apply", { leaseMs: 5000, renewEveryMs: 200 });
    if (!a.ok) throw new Error("no lock");
    held.push(a.lock);
    // refused while its lease runs (the holder may be alive), released with force
    expect(await releaseS3Lock(theirs!, a.lock.lockId)).toMatchObject({
      refused: "LeaseRunning",
      lock: { lockId: a.lock.lockId },
    });
    expect(a.lock.isValid()).toBe(true);
    expect(await releaseS3Lock(theirs!, a.lock.lockId, { force: true })).toMatchObject({
      released: { lockId: a.lock.lockId },
    });
    const b = await tryS3Lock(theirs!, "apply-taken", "apply");
    if (!b.ok) throw new Error("the lock was released but could not be taken");
    held.push(b.lock);
    await until("the old holder to notice", () => a.lock.signal.aborted);
    expect(a.lock.isValid()).toBe(false);
    expect(String(a.lock.signal.reason)).toMatch(/another process took it over/);
    expect(b.lock.isValid()).toBe(true);
    expect((await listS3Locks(theirs!)).map((l) => l.lockId)).toEqual([b.lock.lockId]);
  });

  it("a renewal that landed though its answer was lost extends the lease from when it was sent, not from the retry that finds it", async () => {
    // The holder's own client: its lock PUTs go to the real S3, but the answer of the first
    // renewal is lost (it landed), and after the retry that finds it the holder is cut off.
    const client = gw.newClient();
    let lockPuts = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Key?: string; IfMatch?: string; IfNoneMatch?: string };
        const isLockPut = (input.IfMatch ?? input.IfNoneMatch) !== undefined;
        if (!isLockPut || !input.Key?.endsWith("apply-in-doubt.json")) return next(args);
        lockPuts++;
        if (lockPuts >= 4)
          throw Object.assign(new Error("network is unreachable"), { name: "NetworkError" });
        const out = await next(args);
        if (lockPuts === 2)
          throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
        return out;
      },
      { step: "deserialize", priority: "low", name: "testLoseAnswers" },
    );
    const prefix = `t${++n}`;
    const holderStore = gw.store("locks", prefix, client);
    const contenderStore = gw.store("locks", prefix, gw.newClient());
    // lease 20 s: the holder stops believing 15 s after a write it sent, a contender may take
    // over 17 s (server clock) after it; renewals every 6 s, well inside the 15 s
    const a = await tryS3Lock(holderStore, "apply-in-doubt", "apply", {
      leaseMs: 20_000,
      renewEveryMs: 6000,
    });
    if (!a.ok) throw new Error("no lock");
    held.push(a.lock);
    await until("the in-doubt renewal and the retry that adopts it", () => lockPuts >= 3);
    expect(a.lock.isValid()).toBe(true);
    // The contender takes the lock over as soon as the server's clock proves the holder stopped.
    let taken: HeldLock | undefined;
    await until("the contender to take the lock over", async () => {
      const b = await tryS3Lock(contenderStore, "apply-in-doubt", "apply");
      if (b.ok) taken = b.lock;
      return b.ok;
    });
    if (taken) held.push(taken);
    // The moment someone else holds it, the old holder must no longer start deletions.
    expect(a.lock.isValid()).toBe(false);
  });

  it("release removes a lock only by its id", async () => {
    const [store] = stores(1);
    const a = await tryS3Lock(store!, "apply-release", "apply");
    if (!a.ok) throw new Error("no lock");
    held.push(a.lock);
    expect(await releaseLock(store!, "not-the-id", { force: true })).toEqual({
      refused: "NoSuchLock",
    });
    expect((await listLocks(store!)).map((l) => l.lockId)).toEqual([a.lock.lockId]);
    expect(await releaseLock(store!, a.lock.lockId, { force: true })).toMatchObject({
      released: { name: "apply-release" },
    });
    expect(await listLocks(store!)).toEqual([]);
  });

  it("the holder's own release frees the lock for the next one", async () => {
    const [one, two] = stores(2);
    const a = await tryS3Lock(one!, "apply-next", "apply");
    if (!a.ok) throw new Error("no lock");
    await a.lock.release();
    expect(a.lock.isValid()).toBe(false);
    const b = await tryS3Lock(two!, "apply-next", "apply");
    expect(b.ok).toBe(true);
    if (b.ok) held.push(b.lock);
  });
});

describe("local lock files through the same list and release", () => {
  it("lists the lock files of a state directory and releases one only by its token", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sg-locks-"));
    await mkdir(path.join(dir, "locks"));
    const a = await tryLock(path.join(dir, "locks", "apply-111122223333.lock"), "apply sha256:x");
    if (!a.ok) throw new Error("no lock");
    const store = new DirStateStore(dir);
    expect(await listLocks(store)).toEqual([
      expect.objectContaining({
        where: "local",
        name: "apply-111122223333",
        lockId: a.lock.owner.token,
        pid: process.pid,
        purpose: "apply sha256:x",
        expired: false,
      }),
    ]);
    expect(await releaseLock(store, "other")).toEqual({ refused: "NoSuchLock" });
    expect(await listLocks(store)).toHaveLength(1);
    expect(await releaseLock(store, a.lock.owner.token)).toMatchObject({
      released: { lockId: a.lock.owner.token },
    });
    expect(await listLocks(store)).toEqual([]);
  });
});
