/**
 * `snapgate lock list|release` over either kind of state: the lock files of a
 * state directory (src/core/file-lock.ts) or the lock objects on S3
 * (s3-lock.ts). A lock is released only by its id — the local file's token or
 * the S3 object's lockId — so a typo can never remove somebody else's lock.
 */
import { readdir, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type LockOwner, readOwner } from "../core/file-lock.js";
import type { LockInfo, LockRelease } from "./s3-lock.js";
import { isS3Store, type StateStore } from "./store.js";

export type { LockInfo, LockRelease };

function ownerGone(owner: LockOwner): boolean {
  if (owner.host !== os.hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EPERM";
  }
}

/** The lock files of a state directory (`<dir>/locks/*.lock`). */
export async function listLocalLocks(stateDir: string): Promise<LockInfo[]> {
  const dir = path.join(stateDir, "locks");
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith(".lock"));
  const infos: LockInfo[] = [];
  for (const file of names.sort()) {
    const owner = await readOwner(path.join(dir, file));
    if (!owner) continue;
    infos.push({
      where: "local",
      name: file.slice(0, -".lock".length),
      key: path.join(dir, file),
      lockId: owner.token,
      host: owner.host,
      pid: owner.pid,
      purpose: owner.purpose,
      acquiredAt: owner.createdAt,
      expired: ownerGone(owner),
    });
  }
  return infos;
}

/**
 * Removes the local lock whose token is `lockId`. Its holder, if alive, reads the lock file
 * before each delete and stops at once, so no lease needs to run out first.
 */
export async function releaseLocalLock(stateDir: string, lockId: string): Promise<LockRelease> {
  for (const info of await listLocalLocks(stateDir)) {
    if (info.lockId !== lockId) continue;
    // Read again right before: the id, not the file name, says which lock this is.
    const now = await readOwner(info.key);
    if (now?.token !== lockId) return { refused: "NoSuchLock" };
    await unlink(info.key).catch(() => {});
    return { released: info };
  }
  return { refused: "NoSuchLock" };
}

export async function listLocks(store: StateStore): Promise<LockInfo[]> {
  if (isS3Store(store)) return (await import("./s3-lock.js")).listS3Locks(store);
  return listLocalLocks((store.location as { dir: string }).dir);
}

export async function releaseLock(
  store: StateStore,
  lockId: string,
  opts: { force?: boolean } = {},
): Promise<LockRelease> {
  if (isS3Store(store)) return (await import("./s3-lock.js")).releaseS3Lock(store, lockId, opts);
  return releaseLocalLock((store.location as { dir: string }).dir, lockId);
}
