/**
 * Serialises use of one git cache entry across processes (and across async
 * calls in this one) with the lock files of core/file-lock: a lock whose owner
 * is provably gone is broken, a live one is never stolen — we wait, then give
 * up with a message naming the holder.
 */
import { SnapgateError } from "../core/errors.js";
import { describeHolder, type HeldLock, LockTimeoutError, waitForLock } from "../core/file-lock.js";

export interface LockOptions {
  /** How long to wait for a live holder before failing. */
  timeoutMs: number;
  /** Names the locked thing in the timeout message. */
  what: string;
}

/** A git fetch can hold the lock for a while: poll at most every 250 ms. */
const MAX_POLL_MS = 250;

export async function withFileLock<T>(
  lockPath: string,
  options: LockOptions,
  fn: () => Promise<T>,
): Promise<T> {
  let lock: HeldLock;
  try {
    lock = await waitForLock(lockPath, options.what, options.timeoutMs, MAX_POLL_MS);
  } catch (err) {
    if (!(err instanceof LockTimeoutError)) throw err;
    throw new SnapgateError(
      "SourceFailed",
      `${options.what} is locked by ${describeHolder(err.holder)} (lock file ${lockPath}); gave up after ${Math.round(options.timeoutMs / 1000)}s`,
    );
  }
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
