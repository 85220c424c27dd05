/**
 * The per-account apply lock on S3: one object, created with
 * `If-None-Match: *` so that exactly one contender gets it, holding a lease the
 * holder renews with `If-Match` on its ETag while it works.
 *
 * The holder judges its own lease by the local clocks — the monotonic one and,
 * for a machine that was suspended (when Linux's monotonic clock stands still),
 * the wall clock too — from the moment it *sent* its last successful write
 * (before the server stamped it), minus a safety margin: it stops starting
 * deletions `holderStopsAfterMs` after that send, even after a pause (SIGSTOP,
 * a suspend) of any length.
 *
 * Who may take a lock over is judged by the S3 server's clock (the object's
 * LastModified against the `Date` of the response that read it), never the
 * local one: only once their difference proves the holder has stopped (see
 * `mayTakeOver`). The takeover is a PUT conditional on the stale ETag: of N
 * contenders exactly one wins, and a holder that wakes up late finds its
 * renewal refused.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { refused, type SnapgateError } from "../core/errors.js";
import { contentMd5, isConditionFailed, isNoSuchKey, lastServerDate } from "./s3-client.js";
import type { S3StateStore } from "./s3-store.js";
import { stateError } from "./store.js";

export interface LockBody {
  lockId: string;
  host: string;
  pid: number;
  purpose: string;
  acquiredAt: string;
  leaseMs: number;
  /** bumped by every renewal, so that each write has a new ETag */
  renewals: number;
  renewedAt: string;
  /** set when released: the object stays (a delete marker would block If-None-Match on some S3s) */
  releasedAt?: string;
}

/** A lock as `snapgate lock list` shows it, local or on S3. */
export interface LockInfo {
  where: "s3" | "local";
  /** the lock's name, e.g. `apply-123456789012` */
  name: string;
  /** the object key (S3, relative to the state location) or the file path (local) */
  key: string;
  lockId: string;
  host: string;
  pid: number;
  purpose: string;
  acquiredAt: string;
  leaseMs?: number;
  /** S3: when the server last stamped the lock (acquired or renewed) */
  writtenAt?: string;
  /** S3: the lease ran out by the server's clock; local: the owner is provably gone */
  expired: boolean;
}

export interface HeldLock {
  readonly name: string;
  readonly lockId: string;
  /** aborted the moment the lease is known lost (expired locally, or taken over) */
  readonly signal: AbortSignal;
  /** true while the lease is certainly ours: check before starting each delete */
  isValid(): boolean;
  /** throws a Refused SnapgateError when `isValid()` is false */
  assertHeld(): void;
  /** stops renewing and deletes the lock if it is still ours */
  release(): Promise<void>;
}

export type LockAttempt =
  | { ok: true; lock: HeldLock }
  | {
      ok: false;
      holder: LockInfo | null;
      /** when trying again can first succeed if the holder does not renew (a hint: 0 = now) */
      retryInMs: number;
    };

export interface S3LockOptions {
  /** how long a lease lasts without renewal (default 30 s) */
  leaseMs?: number;
  /** how often the holder renews (default a third of the lease) */
  renewEveryMs?: number;
}

const DEFAULT_LEASE_MS = 30_000;
/** LastModified and Date have one-second resolution (HTTP dates). */
const CLOCK_GRANULARITY_MS = 1000;
/**
 * On top of the rounding: sub-second disagreement between the S3 servers that
 * stamp a write and answer a read, and the rates of the holder's monotonic
 * clock and the server's (1% of the lease: far more than any NTP-kept clock).
 */
const CLOCK_ALLOWANCE_MS = 100;
const CLOCK_RATE_ALLOWANCE = 0.01;

/**
 * How long before its lease ends a holder stops believing in it. Holder and
 * contender must agree on it: the takeover rule below relies on it.
 */
export function leaseSafetyMs(leaseMs: number): number {
  return Math.min(5000, Math.floor(leaseMs / 4));
}

/** How long after sending a write (create or renewal) the holder starts no further deletion. */
export function holderStopsAfterMs(leaseMs: number): number {
  return leaseMs - leaseSafetyMs(leaseMs);
}

/**
 * The least server-clock difference (`Date` of a read minus the lock's
 * `LastModified`) at which the lock may be taken over: a whole number of
 * seconds, since both stamps are.
 */
export function takeoverAfterMs(leaseMs: number): number {
  const proof =
    holderStopsAfterMs(leaseMs) +
    CLOCK_GRANULARITY_MS +
    CLOCK_ALLOWANCE_MS +
    Math.ceil(leaseMs * CLOCK_RATE_ALLOWANCE);
  return Math.ceil(proof / CLOCK_GRANULARITY_MS) * CLOCK_GRANULARITY_MS;
}

/**
 * Whether a lock last written at `writtenAtMs` (its LastModified) may be taken
 * over, given the `Date` (`serverNowMs`) of the response that read it.
 *
 * Why the holder can never start a deletion after this turns true: the holder
 * took `sentAt` before sending the write the server stamped at a true time W,
 * so sentAt ≤ W, and it starts no deletion after sentAt + holderStopsAfterMs
 * (`isValid`, checked right before each DeleteDiskSnapshot is handed to HTTP;
 * its renewals only move that deadline forward for writes that were not taken
 * over). LastModified is W truncated to the second (W < LastModified + 1 s) and
 * Date is the read's true time R truncated (R ≥ Date), so R − W > difference − 1 s.
 * A difference ≥ holderStopsAfterMs + 1 s (+ the clock allowance) thus proves
 * R > sentAt + holderStopsAfterMs: the holder had stopped before the read that
 * allows the takeover, and the takeover PUT comes after that read. Any renewal
 * the holder sends later carries the ETag the takeover replaced, and fails.
 * The holder's safety margin (a quarter of the lease, at most 5 s) is what
 * lets this come before lease + 1 s: with a 5 s lease the difference needed
 * is 5 s, reached 4–5 s after the holder's last write (30 s lease: 27 s).
 * What no lease rules out: a DeleteDiskSnapshot handed to HTTP just before the
 * holder's deadline may still reach Lightsail after a takeover; its intent was
 * durable and it was checked against a fresh read, as every delete is.
 */
export function mayTakeOver(writtenAtMs: number, serverNowMs: number, leaseMs: number): boolean {
  return serverNowMs - writtenAtMs >= takeoverAfterMs(leaseMs);
}

/**
 * How long a contender that was refused may wait before the lock can first be
 * provably free, by the server's clock: the server's true time is below
 * `serverNowMs` + 1 s, and the takeover needs its `Date` to reach
 * `writtenAtMs` + takeoverAfterMs. 0 when it may be free already.
 */
export function takeoverPossibleInMs(
  writtenAtMs: number,
  serverNowMs: number,
  leaseMs: number,
): number {
  return Math.max(0, writtenAtMs + takeoverAfterMs(leaseMs) - serverNowMs - CLOCK_GRANULARITY_MS);
}
const LOCKS_DIR = "locks";

export function s3LockKey(name: string): string {
  return `${LOCKS_DIR}/${name}.json`;
}

export { applyLockName } from "./lock-name.js";

/**
 * When a write was sent, by both local clocks: the monotonic one (immune to clock steps) and
 * the wall clock, which goes on while the machine is suspended, when Linux's monotonic clock
 * stands still (a suspended holder must not wake up believing in a lease that ran out).
 */
interface SendTime {
  mono: number;
  wall: number;
}

function sendTime(): SendTime {
  return { mono: performance.now(), wall: Date.now() };
}

interface Seen {
  etag: string;
  body: LockBody | null;
  writtenAtMs: number;
  serverNowMs: number;
}

export async function tryS3Lock(
  store: S3StateStore,
  name: string,
  purpose: string,
  opts: S3LockOptions = {},
): Promise<LockAttempt> {
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const now = new Date().toISOString();
  const body: LockBody = {
    lockId: randomUUID(),
    host: os.hostname(),
    pid: process.pid,
    purpose,
    acquiredAt: now,
    leaseMs,
    renewals: 0,
    renewedAt: now,
  };
  const key = s3LockKey(name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const sentAt = sendTime();
    const created = await putLock(store, key, body, { IfNoneMatch: "*" });
    if (created)
      return { ok: true, lock: new S3HeldLock(store, name, body, created, sentAt, opts) };
    const seen = await readLock(store, key);
    if (!seen) continue; // released between our create and our read: try again
    // Our own write landed though its answer was lost (the SDK's retry then failed the condition).
    if (isOurs(seen, body))
      return { ok: true, lock: new S3HeldLock(store, name, body, seen.etag, sentAt, opts) };
    if (!isFree(seen, leaseMs))
      return {
        ok: false,
        holder: toInfo(name, key, seen, leaseMs),
        retryInMs: retryIn(seen, leaseMs),
      };
    // Released, or expired by the server's clock: take it over, conditional on the version we saw.
    const takeoverAt = sendTime();
    const taken = await putLock(store, key, body, { IfMatch: seen.etag });
    if (taken)
      return { ok: true, lock: new S3HeldLock(store, name, body, taken, takeoverAt, opts) };
    const after = await readLock(store, key);
    if (after && isOurs(after, body))
      return { ok: true, lock: new S3HeldLock(store, name, body, after.etag, takeoverAt, opts) };
    // Another contender (or a late renewal) won: look again.
  }
  const last = await readLock(store, key);
  return {
    ok: false,
    holder: last ? toInfo(name, key, last, leaseMs) : null,
    retryInMs: last ? retryIn(last, leaseMs) : 0,
  };
}

/** The stored version is exactly the one we wrote (same lock id, same renewal). */
function isOurs(seen: Seen, body: LockBody): boolean {
  return (
    seen.body?.lockId === body.lockId &&
    seen.body.renewals === body.renewals &&
    seen.body.releasedAt === undefined
  );
}

function isFree(seen: Seen, fallbackLeaseMs: number): boolean {
  return seen.body?.releasedAt !== undefined || isExpired(seen, fallbackLeaseMs);
}

/** The holder has provably stopped, by the server's clock (`mayTakeOver`). */
function isExpired(seen: Seen, fallbackLeaseMs: number): boolean {
  // the holder's own lease (from its body) is what its safety margin was computed from
  return mayTakeOver(seen.writtenAtMs, seen.serverNowMs, seen.body?.leaseMs ?? fallbackLeaseMs);
}

function retryIn(seen: Seen, fallbackLeaseMs: number): number {
  if (isFree(seen, fallbackLeaseMs)) return 0;
  const lease = seen.body?.leaseMs ?? fallbackLeaseMs;
  return takeoverPossibleInMs(seen.writtenAtMs, seen.serverNowMs, lease);
}

/** The new ETag, or null when the condition did not hold. */
async function putLock(
  store: S3StateStore,
  key: string,
  body: LockBody,
  condition: { IfNoneMatch?: string; IfMatch?: string },
): Promise<string | null> {
  const text = JSON.stringify(body);
  try {
    const out = await store.client.send(
      new PutObjectCommand({
        Bucket: store.bucket,
        Key: store.key(key),
        Body: text,
        ContentMD5: contentMd5(text),
        ContentType: "application/json",
        ...condition,
      }),
    );
    return out.ETag ?? "";
  } catch (err) {
    if (isConditionFailed(err) || (condition.IfMatch && isNoSuchKey(err))) return null;
    throw stateError(store.label, `cannot write the lock ${key}`, err);
  }
}

async function readLock(store: S3StateStore, key: string): Promise<Seen | null> {
  try {
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: store.key(key) }),
    );
    const text = (await out.Body?.transformToString("utf8")) ?? "";
    const serverNowMs = lastServerDate(store.client) ?? Date.now();
    return {
      etag: out.ETag ?? "",
      body: parseBody(text),
      writtenAtMs: out.LastModified?.getTime() ?? serverNowMs,
      serverNowMs,
    };
  } catch (err) {
    if (isNoSuchKey(err)) return null;
    throw stateError(store.label, `cannot read the lock ${key}`, err);
  }
}

function parseBody(text: string): LockBody | null {
  try {
    const b = JSON.parse(text) as LockBody;
    return typeof b?.lockId === "string" && typeof b.leaseMs === "number" ? b : null;
  } catch {
    return null;
  }
}

function toInfo(name: string, key: string, seen: Seen, fallbackLeaseMs: number): LockInfo {
  const b = seen.body;
  return {
    where: "s3",
    name,
    key,
    lockId: b?.lockId ?? "",
    host: b?.host ?? "?",
    pid: b?.pid ?? 0,
    purpose: b?.purpose ?? "(unreadable lock object)",
    acquiredAt: b?.acquiredAt ?? "",
    leaseMs: b?.leaseMs ?? fallbackLeaseMs,
    writtenAt: new Date(seen.writtenAtMs).toISOString(),
    expired: isExpired(seen, fallbackLeaseMs),
  };
}

class S3HeldLock implements HeldLock {
  readonly lockId: string;
  private readonly controller = new AbortController();
  private readonly leaseMs: number;
  private readonly stopsAfterMs: number;
  /** the last moment deletions may start, by each clock: both must agree */
  private validUntil: SendTime;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private released = false;
  /**
   * When the first renewal whose answer was lost (it threw) was sent: it may have landed. Its
   * retries send the same version, so one that finds it stored must date the lease from here.
   */
  private inDoubtSince: SendTime | undefined;

  constructor(
    private readonly store: S3StateStore,
    readonly name: string,
    private body: LockBody,
    private etag: string,
    sentAt: SendTime,
    opts: S3LockOptions,
  ) {
    this.lockId = body.lockId;
    this.leaseMs = body.leaseMs;
    // Stop believing well before the lease ends: contenders count on it (`mayTakeOver`).
    this.stopsAfterMs = holderStopsAfterMs(this.leaseMs);
    this.validUntil = this.deadlineAfter(sentAt);
    const every = opts.renewEveryMs ?? Math.floor(this.leaseMs / 3);
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  isValid(): boolean {
    if (this.controller.signal.aborted) return false;
    if (performance.now() < this.validUntil.mono && Date.now() < this.validUntil.wall) return true;
    this.lose("its lease ran out before it could be renewed");
    return false;
  }

  assertHeld(): void {
    if (!this.isValid()) throw this.controller.signal.reason as SnapgateError;
  }

  private lose(why: string): void {
    if (this.controller.signal.aborted) return;
    this.stop();
    this.controller.abort(
      refused(
        `lost the lock ${this.name} (${this.lockId}): ${why}; no further deletions are started`,
      ),
    );
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    // After a pause the lease may be gone already: never renew a lease we no longer hold.
    if (!this.isValid() || this.renewing) return;
    this.renewing = this.renew().finally(() => {
      this.renewing = undefined;
    });
  }

  private async renew(): Promise<void> {
    const next = {
      ...this.body,
      renewals: this.body.renewals + 1,
      renewedAt: new Date().toISOString(),
    };
    const sentAt = sendTime();
    let etag: string | null;
    try {
      etag = await putLock(this.store, s3LockKey(this.name), next, { IfMatch: this.etag });
    } catch {
      // A transient failure: the next tick tries again; the lease runs out on its own if none
      // works. The write may have landed all the same: remember when it was sent.
      this.inDoubtSince ??= sentAt;
      return;
    }
    if (this.released) return;
    // A stored write: no earlier attempt landed (its condition would have failed this one).
    let written = sentAt;
    if (etag === null) {
      // The renewal may have landed with its answer lost (the SDK's retry then fails the
      // condition): it is still ours only if the stored version is exactly this renewal.
      let seen: Seen | null;
      try {
        seen = await readLock(this.store, s3LockKey(this.name));
      } catch {
        // cannot tell now: the next tick tries again (and the lease runs out on its own); an
        // SDK retry of this attempt may be what landed
        this.inDoubtSince ??= sentAt;
        return;
      }
      if (this.released) return;
      if (!seen || !isOurs(seen, next)) {
        this.lose("another process took it over (its renewal was refused)");
        return;
      }
      etag = seen.etag;
      // The version found may be an earlier attempt's, stamped before this one was sent.
      written = this.inDoubtSince ?? sentAt;
    }
    this.inDoubtSince = undefined;
    this.body = next;
    this.etag = etag;
    this.validUntil = this.deadlineAfter(written);
  }

  private deadlineAfter(sent: SendTime): SendTime {
    return { mono: sent.mono + this.stopsAfterMs, wall: sent.wall + this.stopsAfterMs };
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stop();
    await this.renewing;
    const wasValid = this.isValid();
    if (!this.controller.signal.aborted)
      this.controller.abort(refused(`released the lock ${this.name}`));
    if (!wasValid) return; // not ours any more: someone else's lock now, or theirs to take over
    // Only if it is still our version: a lock taken over meanwhile is left alone.
    await putLock(this.store, s3LockKey(this.name), released(this.body), { IfMatch: this.etag });
  }
}

function released(body: LockBody): LockBody {
  return { ...body, releasedAt: new Date().toISOString() };
}

/** Every lock under the state location, with its expiry judged by the server's clock. */
export async function listS3Locks(store: S3StateStore): Promise<LockInfo[]> {
  const keys = (await store.list(LOCKS_DIR)).filter((k) => k.endsWith(".json"));
  const infos: LockInfo[] = [];
  for (const key of keys) {
    const seen = await readLock(store, key);
    if (!seen || seen.body?.releasedAt) continue;
    const name = key.slice(LOCKS_DIR.length + 1, -".json".length);
    infos.push(toInfo(name, key, seen, DEFAULT_LEASE_MS));
  }
  return infos;
}

/** What `lock release` did: released the lock, or why not. */
export type LockRelease =
  | { released: LockInfo }
  | { refused: "NoSuchLock" }
  | { refused: "LeaseRunning"; lock: LockInfo; freeInMs: number };

/**
 * Releases the lock whose id is `lockId` — only that one, and only if it is
 * still the version that carries the id (Terraform's force-unlock nonce). A
 * released lock stays as an object marked released: the next contender takes
 * it over conditionally, as it would an expired one.
 *
 * A lock whose lease has not run out by the server's clock is refused unless
 * `force`: its holder may be alive, and it learns of the release only at its
 * next renewal, while the next apply could take the lock over at once — two
 * appliers deleting side by side.
 */
export async function releaseS3Lock(
  store: S3StateStore,
  lockId: string,
  opts: { force?: boolean } = {},
): Promise<LockRelease> {
  for (const key of (await store.list(LOCKS_DIR)).filter((k) => k.endsWith(".json"))) {
    const name = key.slice(LOCKS_DIR.length + 1, -".json".length);
    // A renewal between our read and our delete changes the ETag: read again, the id decides.
    for (let attempt = 0; attempt < 5; attempt++) {
      const seen = await readLock(store, key);
      if (!seen || seen.body?.lockId !== lockId) break;
      if (seen.body.releasedAt) return { refused: "NoSuchLock" };
      if (!opts.force && !isExpired(seen, DEFAULT_LEASE_MS)) {
        return {
          refused: "LeaseRunning",
          lock: toInfo(name, key, seen, DEFAULT_LEASE_MS),
          freeInMs: retryIn(seen, DEFAULT_LEASE_MS),
        };
      }
      if ((await putLock(store, key, released(seen.body), { IfMatch: seen.etag })) === null)
        continue;
      return { released: toInfo(name, key, seen, DEFAULT_LEASE_MS) };
    }
  }
  return { refused: "NoSuchLock" };
}
