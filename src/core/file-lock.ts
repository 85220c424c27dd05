/**
 * Exclusive lock files with the owner's pid, host and process instance
 * inside. The owner record is written to a temp file first and then linked
 * into place (link fails if the lock exists, like O_EXCL), so a lock file is
 * never empty, even after a SIGKILL at any point.
 *
 * A lock is stale only when its owner is provably gone: same host and the pid
 * no longer exists, or the pid is ours but from an earlier process instance
 * (containers reuse pid 1). A live lock, or one held from another host, is
 * never stolen. Stale locks are broken under a short-lived breaker lock so
 * that two contenders cannot both take over.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, stat, unlink } from "node:fs/promises";
import os from "node:os";
import { createFileExclusive } from "./atomic-write.js";

export interface LockOwner {
  pid: number;
  host: string;
  createdAt: string;
  purpose: string;
  token: string;
  /** identifies this process incarnation: a reused pid is not the same owner */
  instance?: string;
}

export interface HeldLock {
  path: string;
  owner: LockOwner;
  release(): Promise<void>;
}

export type LockAttempt = { ok: true; lock: HeldLock } | { ok: false; holder: LockOwner | null };

const INSTANCE = randomUUID();
/** A breaker lock is only held for a few file operations; older ones were left by a crash. */
const BREAKER_STALE_MS = 10_000;
/** An unreadable lock (e.g. written by an older snapgate and cut short) is stale after this. */
const UNREADABLE_STALE_MS = 30_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const owner = JSON.parse(await readFile(path, "utf8")) as LockOwner;
    return typeof owner?.pid === "number" && typeof owner.token === "string" ? owner : null;
  } catch {
    return null;
  }
}

async function ageMs(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

async function isStale(path: string, owner: LockOwner | null): Promise<boolean> {
  if (owner === null) return ((await ageMs(path)) ?? 0) > UNREADABLE_STALE_MS;
  if (owner.host !== os.hostname()) return false;
  if (owner.pid === process.pid) return owner.instance !== undefined && owner.instance !== INSTANCE;
  return !isAlive(owner.pid);
}

/** Creates `path` holding `content`, atomically and only if it does not exist. */
function createExclusive(path: string, content: string, durable: boolean): Promise<boolean> {
  return createFileExclusive(path, content, { mode: 0o644, durable });
}

/** Removes `path` if it still holds the stale owner we saw, under a breaker lock. */
async function breakStale(path: string, seen: LockOwner | null): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await createExclusive(breaker, String(process.pid), false))) {
    if (((await ageMs(breaker)) ?? 0) > BREAKER_STALE_MS) await unlink(breaker).catch(() => {});
    return;
  }
  try {
    const now = await readOwner(path);
    const same = now === null ? seen === null : now.token === seen?.token;
    if (same && (await isStale(path, now))) await unlink(path).catch(() => {});
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

/** `durable`: flush the owner record to disk (long-held locks); short-held ones skip it. */
export async function tryLock(path: string, purpose: string, durable = true): Promise<LockAttempt> {
  const owner: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    createdAt: new Date().toISOString(),
    purpose,
    token: randomUUID(),
    instance: INSTANCE,
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await createExclusive(path, JSON.stringify(owner), durable)) {
      return { ok: true, lock: { path, owner, release: () => releaseLock(path, owner.token) } };
    }
    const holder = await readOwner(path);
    // Gone between our create and our read (someone broke it or released it): try again.
    if (holder === null && (await ageMs(path)) === undefined) continue;
    if (!(await isStale(path, holder))) return { ok: false, holder };
    await breakStale(path, holder);
  }
  return { ok: false, holder: await readOwner(path) };
}

/**
 * Whether the lock file at `path` still holds the owner with `token`, read synchronously (it
 * is asked right before each delete); false when it cannot be read.
 */
export function stillHolds(path: string, token: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as Partial<LockOwner> | null;
    return owner?.token === token;
  } catch {
    return false;
  }
}

async function releaseLock(path: string, token: string): Promise<void> {
  const current = await readOwner(path);
  if (current?.token === token) await unlink(path).catch(() => {});
}

/** Waiting for a lock ran out of time; `holder` is who had it then. */
export class LockTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly holder: LockOwner | null,
  ) {
    super(
      `timed out waiting for lock ${path}${holder ? ` held by pid ${holder.pid} on ${holder.host} (${holder.purpose})` : ""}`,
    );
  }
}

/**
 * Waits for a lock, polling with a growing delay (up to `maxDelayMs`): 50 ms
 * suits short-held locks (an audit-log append), longer ones (a git fetch)
 * poll less often.
 */
export async function waitForLock(
  path: string,
  purpose: string,
  timeoutMs = 10_000,
  maxDelayMs = 50,
): Promise<HeldLock> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const attempt = await tryLock(path, purpose, false);
    if (attempt.ok) return attempt.lock;
    if (Date.now() > deadline) throw new LockTimeoutError(path, attempt.holder);
    await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}

export function describeHolder(h: LockOwner | null): string {
  return h ? `pid ${h.pid} on ${h.host} since ${h.createdAt} (${h.purpose})` : "an unknown process";
}
