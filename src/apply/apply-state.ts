/**
 * What an apply keeps in its state store, with the same meaning in a
 * directory and on S3: the account lock (a lock file, or a leased S3 object),
 * the plan's journal (a JSON-lines file with group fsync, or If-None-Match
 * parts), and the open markers that say a run may have deletes in flight.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { refused } from "../core/errors.js";
import { describeHolder, stillHolds, tryLock } from "../core/file-lock.js";
import { applyLockName } from "../state/lock-name.js";
import type { LockInfo, S3LockOptions } from "../state/s3-lock.js";
import type { S3StateStore } from "../state/s3-store.js";
import { isS3Store, type StateStore } from "../state/store.js";
import { type ApplyJournal, Journal, journalPath } from "./journal.js";
import { openMarkerKey, S3Journal } from "./s3-journal.js";

/**
 * The account lock as the executor sees it. `signal` aborts the moment the
 * lock is known lost; `assertHeld` throws (a Refused error) unless it is
 * certainly still ours — called right before each DeleteDiskSnapshot.
 */
export interface ApplyLease {
  readonly lockId: string;
  readonly signal: AbortSignal;
  assertHeld(): void;
  release(): Promise<void>;
}

export type LeaseAttempt = { ok: true; lease: ApplyLease } | { ok: false; holder: string };

/** The lock file of an account in a state directory. */
export function lockPath(stateDir: string, account: string): string {
  return path.join(stateDir, "locks", `${applyLockName(account)}.lock`);
}

function describeS3Holder(store: S3StateStore, h: LockInfo | null): string {
  return h
    ? `pid ${h.pid} on ${h.host} since ${h.acquiredAt} (${h.purpose}), lock id ${h.lockId} in ${store.label}, lease ${Math.round((h.leaseMs ?? 0) / 1000)} s`
    : `an unknown process (in ${store.label})`;
}

/**
 * Takes the account's apply lock in `store`. A lock file is held until
 * released (its owner is on this disk; a dead owner's file is broken); an S3
 * lock is a lease, renewed while held and lost when it cannot be.
 */
export async function lockAccount(
  store: StateStore,
  account: string,
  purpose: string,
  opts: S3LockOptions = {},
): Promise<LeaseAttempt> {
  if (isS3Store(store)) {
    const { tryS3Lock } = await import("../state/s3-lock.js");
    const attempt = await tryS3Lock(store, applyLockName(account), purpose, opts);
    if (!attempt.ok) return { ok: false, holder: describeS3Holder(store, attempt.holder) };
    return { ok: true, lease: attempt.lock };
  }
  const dir = (store.location as { dir: string }).dir;
  await mkdir(path.join(dir, "locks"), { recursive: true });
  const attempt = await tryLock(lockPath(dir, account), purpose);
  if (!attempt.ok) return { ok: false, holder: describeHolder(attempt.holder) };
  const file = attempt.lock;
  // A lock file is never taken from a live owner, but an operator may release it (`snapgate
  // lock release`, believing the apply dead) and another apply then takes it: checked before
  // each delete, a lock file that no longer holds our token stops this apply.
  const lost = new AbortController();
  return {
    ok: true,
    lease: {
      lockId: file.owner.token,
      signal: lost.signal,
      assertHeld: () => {
        if (!lost.signal.aborted && !stillHolds(file.path, file.owner.token)) {
          lost.abort(
            refused(
              `lost the lock ${file.path}: it was released or removed while this apply ran; no further deletions are started`,
            ),
          );
        }
        if (lost.signal.aborted) throw lost.signal.reason;
      },
      release: () => file.release(),
    },
  };
}

/** The plan's journal in `store`: the local file journal, or the S3 one. */
export async function openJournal(store: StateStore, planDigest: string): Promise<ApplyJournal> {
  if (isS3Store(store)) return S3Journal.open(store, planDigest);
  const dir = (store.location as { dir: string }).dir;
  return Journal.open(journalPath(dir, planDigest));
}

/**
 * Marks a run of the plan as possibly having deletes in flight. Stored (on
 * disk, directory entry included; or in S3) before the first intent, it names
 * the account: only that account's lock holder settles it.
 */
export function markOpen(store: StateStore, planDigest: string, account: string): Promise<void> {
  return store.write(openMarkerKey(planDigest), account);
}

export function clearOpen(store: StateStore, planDigest: string): Promise<void> {
  return store.remove(openMarkerKey(planDigest));
}

const OPEN_SUFFIX = ".open";

/** The plan digests with an open marker naming `account`, oldest name first. */
export async function openRuns(store: StateStore, account: string): Promise<string[]> {
  const digests: string[] = [];
  for (const key of await store.list("journals")) {
    if (!key.endsWith(OPEN_SUFFIX)) continue;
    // another account's run may be going on right now, under its own lock: not ours to touch
    const owner = (await store.read(key)) ?? "";
    if (owner.trim() !== account) continue;
    const hex = key.slice(key.lastIndexOf("/") + 1, -OPEN_SUFFIX.length);
    digests.push(`sha256:${hex}`);
  }
  return digests.sort();
}
