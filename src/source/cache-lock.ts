/**
 * A lock file that serialises use of one git cache entry across processes (and
 * across async calls in this one). Created with O_EXCL and holding
 * `pid\nhost\n`; a lock whose process is gone on this host is stale and broken.
 * A live lock is never stolen: we wait, then give up with a message naming it.
 */
import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { SnapgateError } from "../core/errors.js";

/** A lock file without a readable owner (crash between create and write) is stale after this. */
const UNREADABLE_LOCK_STALE_MS = 30_000;

interface LockOwner {
  pid: number;
  host: string;
}

export interface LockOptions {
  /** How long to wait for a live holder before failing. */
  timeoutMs: number;
  /** Names the locked thing in the timeout message. */
  what: string;
}

export async function withFileLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const token = `${process.pid}\n${hostname()}\n${randomBytes(8).toString("hex")}\n`;
  await acquire(lockPath, token, options);
  try {
    return await fn();
  } finally {
    await releaseIfOurs(lockPath, token);
  }
}

async function acquire(lockPath: string, token: string, options: LockOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 10;
  for (;;) {
    if (await tryCreate(lockPath, token)) return;
    const seen = await readLock(lockPath);
    if (seen === undefined) continue; // vanished between our attempt and the read: try again now
    if (await isStale(seen, lockPath)) {
      await breakStaleLock(lockPath, seen);
      continue;
    }
    if (Date.now() >= deadline) {
      const owner = parseOwner(seen);
      const holder = owner ? `pid ${owner.pid} on ${owner.host}` : "an unknown process";
      throw new SnapgateError(
        "SourceFailed",
        `${options.what} is locked by ${holder} (lock file ${lockPath}); gave up after ${Math.round(options.timeoutMs / 1000)}s`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 250);
  }
}

async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockPath, "wx", 0o600);
  } catch (err) {
    if (errCode(err) === "EEXIST") return false;
    throw err;
  }
  try {
    await handle.writeFile(token);
  } finally {
    await handle.close();
  }
  return true;
}

async function readLock(lockPath: string): Promise<string | undefined> {
  try {
    return await readFile(lockPath, "utf8");
  } catch (err) {
    if (errCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

function parseOwner(content: string): LockOwner | undefined {
  const [pidText, host] = content.split("\n");
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || !host) return undefined;
  return { pid, host };
}

async function isStale(content: string, lockPath: string): Promise<boolean> {
  const owner = parseOwner(content);
  if (!owner) {
    const mtime = await stat(lockPath).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    return Date.now() - mtime > UNREADABLE_LOCK_STALE_MS;
  }
  // A process on another host cannot be checked: never judged stale.
  if (owner.host !== hostname()) return false;
  return !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errCode(err) === "EPERM"; // exists, owned by someone else
  }
}

/**
 * Moves the lock aside and deletes it only if it is still the stale one we
 * judged; if a new owner slipped in meanwhile, its lock is put back.
 */
async function breakStaleLock(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (errCode(err) === "ENOENT") return;
    throw err;
  }
  const moved = await readLock(aside);
  if (moved !== staleContent) {
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function releaseIfOurs(lockPath: string, token: string): Promise<void> {
  if ((await readLock(lockPath)) === token) await unlink(lockPath).catch(() => undefined);
}

function errCode(err: unknown): string | undefined {
  return err && typeof err === "object" && "code" in err ? String(err.code) : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
