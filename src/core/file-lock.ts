/**
 * Exclusive lock files (O_EXCL), with the owner's pid and host inside. A lock
 * is stale only when its owner is provably dead: same host and the pid no
 * longer exists. A live lock, or one held from another host, is never stolen.
 */
import { randomUUID } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import os from "node:os";

export interface LockOwner {
  pid: number;
  host: string;
  createdAt: string;
  purpose: string;
  token: string;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

export type LockAttempt = { ok: true; lock: HeldLock } | { ok: false; holder: LockOwner | null };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as LockOwner;
  } catch {
    return null;
  }
}

function isStale(owner: LockOwner | null): boolean {
  return (
    owner !== null &&
    owner.host === os.hostname() &&
    owner.pid !== process.pid &&
    !isAlive(owner.pid)
  );
}

/** `durable`: fsync the owner record (long-held locks); short-held ones skip it. */
export async function tryLock(path: string, purpose: string, durable = true): Promise<LockAttempt> {
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    createdAt: new Date().toISOString(),
    purpose,
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, "wx", 0o644);
      try {
        await fh.writeFile(JSON.stringify(owner));
        if (durable) await fh.sync();
      } finally {
        await fh.close();
      }
      return { ok: true, lock: { path, owner, release: () => releaseLock(path, owner.token) } };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = await readOwner(path);
    if (!isStale(holder)) {
      // An unreadable lock may be one being written right now: not stale.
      return { ok: false, holder };
    }
    // Move the stale lock aside atomically; only one contender wins the rename.
    const aside = `${path}.stale-${owner.token}`;
    try {
      await rename(path, aside);
      const moved = await readOwner(aside);
      await unlink(aside).catch(() => {});
      if (moved?.token !== holder?.token) {
        // We moved a fresh lock someone else just took: put it back and give up.
        await rename(aside, path).catch(() => {});
        return { ok: false, holder: moved };
      }
    } catch {
      // someone else handled it; retry
    }
  }
  return { ok: false, holder: await readOwner(path) };
}

async function releaseLock(path: string, token: string): Promise<void> {
  const current = await readOwner(path);
  if (current?.token === token) await unlink(path).catch(() => {});
}

/** Wait for a short-held lock (e.g. an audit-log append), polling briefly. */
export async function waitForLock(
  path: string,
  purpose: string,
  timeoutMs = 10_000,
): Promise<HeldLock> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const attempt = await tryLock(path, purpose, false);
    if (attempt.ok) return attempt.lock;
    if (Date.now() > deadline) {
      const h = attempt.holder;
      throw new Error(
        `timed out waiting for lock ${path}${h ? ` held by pid ${h.pid} on ${h.host} (${h.purpose})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 50);
  }
}

export function describeHolder(h: LockOwner | null): string {
  return h ? `pid ${h.pid} on ${h.host} since ${h.createdAt} (${h.purpose})` : "an unknown process";
}
