/**
 * The audit log on S3: the same records and hash chain as the local log
 * (src/audit-log/log.ts), stored as append-only segment objects
 * `audit/segments/<segment number>.jsonl`, each created with
 * `If-None-Match: *`. Two writers can never fork the chain: the one whose
 * segment number was taken re-reads the tail and appends after it. Appends in
 * one tick share a segment (group commit). A head object, updated with
 * `If-Match`, names the last segment and record, so cutting segments off the
 * end is caught; like the local `.head` file it may lag after a crash, never
 * lead. Every PUT carries Content-MD5, which buckets with Object Lock require:
 * with a default retention every segment is WORM-protected as written.
 */
import {
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ObjectLockMode,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { Batcher } from "../core/batcher.js";
import { messageOf, SnapgateError } from "../core/errors.js";
import { contentMd5, isConditionFailed, isNoSuchKey } from "../state/s3-client.js";
import type { S3StateStore } from "../state/s3-store.js";
import { SEQ_DIGITS, seqKey, stateError } from "../state/store.js";
import {
  type AuditAppender,
  type AuditCursor,
  type AuditEventType,
  type AuditReader,
  type AuditRecord,
  chainRecords,
  GENESIS,
  type PendingEvent,
  parseRecords,
  recordHash,
} from "./log.js";
import { type OpenIntent, trackIntent } from "./verify.js";

export const AUDIT_SEGMENTS_DIR = "audit/segments";
export const AUDIT_HEAD_KEY = "audit/head.json";

export function segmentKey(segment: number): string {
  return `${AUDIT_SEGMENTS_DIR}/${seqKey(segment)}.jsonl`;
}

const SEGMENT_NAME = new RegExp(`^${AUDIT_SEGMENTS_DIR}/(\\d{${SEQ_DIGITS}})\\.jsonl$`);

function segmentNumber(key: string): number | undefined {
  const m = SEGMENT_NAME.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The end of the chain: the last segment, its last record's seq and hash. */
export interface AuditHead {
  segment: number;
  seq: number;
  hash: string;
}

const EMPTY: AuditHead = { segment: 0, seq: 0, hash: GENESIS };

export type { AuditAppender };

export class S3AuditLog implements AuditAppender, AuditReader {
  private readonly batcher = new Batcher<PendingEvent, AuditRecord>((events) => this.write(events));
  /** the tail as this process last wrote or read it; re-read when a create loses a race */
  private tail: AuditHead | undefined;
  private headEtag: string | null | undefined;
  private retention: Promise<BucketRetention | null> | undefined;

  /**
   * `retention`: the Object Lock retention each segment is written with; by
   * default the bucket's default retention, read once and sent explicitly with
   * every segment (some S3-compatible servers do not apply the default themselves).
   */
  constructor(
    readonly store: S3StateStore,
    retention?: BucketRetention | null,
  ) {
    if (retention !== undefined) this.retention = Promise.resolve(retention);
  }

  get label(): string {
    return `${this.store.label}/audit`;
  }

  /** Appends one event; resolves once its segment is stored. */
  append(type: AuditEventType, fields: Record<string, unknown>): Promise<AuditRecord> {
    return this.batcher.push({ type, fields });
  }

  /** Appends several events in order, in one segment when they arrive in one tick. */
  appendMany(events: readonly PendingEvent[]): Promise<AuditRecord[]> {
    return Promise.all(events.map((e) => this.batcher.push(e)));
  }

  /** Every record of every segment, oldest first (segments are whole: never torn). */
  async readRecords(): Promise<AuditRecord[]> {
    return (await this.readRecordsAfter()).records;
  }

  /**
   * The records of the segments after the cursor's. A segment is created only once the one
   * before it exists, so no segment ever appears below one already read.
   */
  async readRecordsAfter(
    cursor?: AuditCursor,
  ): Promise<{ records: AuditRecord[]; cursor: AuditCursor }> {
    // no cursor: from the first segment on, whatever its number
    const after = cursor?.position ?? -1;
    const out: AuditRecord[] = [];
    let last = after;
    for (const key of await listSegments(this.store, after > 0 ? after : undefined)) {
      const number = segmentNumber(key);
      if (number === undefined || number <= after) continue;
      const seg = await readSegment(this.store, key);
      if (seg) out.push(...parseRecords(`${seg.text.replace(/\n?$/, "\n")}`));
      last = Math.max(last, number);
    }
    return { records: out, cursor: { position: last } };
  }

  private async write(events: readonly PendingEvent[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    let tail = this.tail ?? (await findTail(this.store));
    for (;;) {
      const records = chainRecords(tail, events);
      const last = records.at(-1);
      const at = last ? { segment: tail.segment + 1, seq: last.seq, hash: last.hash } : tail;
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join("");
      if (await this.createSegment(at.segment, text)) {
        this.tail = at;
        await this.advanceHead(at);
        return records;
      }
      // Another writer took this segment number: continue the chain after its records.
      tail = await findTail(this.store, tail.segment);
    }
  }

  private async createSegment(segment: number, text: string): Promise<boolean> {
    const key = segmentKey(segment);
    this.retention ??= bucketRetention(this.store);
    const retention = await this.retention;
    try {
      await this.store.client.send(
        new PutObjectCommand({
          Bucket: this.store.bucket,
          Key: this.store.key(key),
          Body: text,
          ContentMD5: contentMd5(text),
          ContentType: "application/x-ndjson",
          IfNoneMatch: "*",
          ...(retention
            ? {
                ObjectLockMode: retention.mode,
                ObjectLockRetainUntilDate: new Date(Date.now() + retention.days * 86_400_000),
              }
            : {}),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw stateError(this.store.label, `cannot append to the audit log (${key})`, err);
    }
  }

  /** Moves the head forward to `to`, never back (another writer may be further already). */
  private async advanceHead(to: AuditHead): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (this.headEtag === undefined || attempt > 0) {
        const cur = await readHeadObject(this.store);
        this.headEtag = cur?.etag ?? null;
        if (cur && cur.head.segment >= to.segment) return;
      }
      const text = JSON.stringify(to);
      try {
        const out = await this.store.client.send(
          new PutObjectCommand({
            Bucket: this.store.bucket,
            Key: this.store.key(AUDIT_HEAD_KEY),
            Body: text,
            ContentMD5: contentMd5(text),
            ContentType: "application/json",
            ...(this.headEtag === null ? { IfNoneMatch: "*" } : { IfMatch: this.headEtag }),
          }),
        );
        this.headEtag = out.ETag ?? null;
        return;
      } catch (err) {
        if (!isConditionFailed(err) && !isNoSuchKey(err))
          throw stateError(this.store.label, `cannot update ${AUDIT_HEAD_KEY}`, err);
      }
    }
    // The segment is stored; a lagging head is allowed (verify accepts it), a wrong one is not.
  }
}

/** An Object Lock retention: its mode and how many days from each write. */
export interface BucketRetention {
  mode: ObjectLockMode;
  days: number;
}

/** The bucket's default Object Lock retention; null when it has none (or it cannot be read). */
export async function bucketRetention(store: S3StateStore): Promise<BucketRetention | null> {
  try {
    const cfg = (
      await store.client.send(new GetObjectLockConfigurationCommand({ Bucket: store.bucket }))
    ).ObjectLockConfiguration;
    const d = cfg?.ObjectLockEnabled === "Enabled" ? cfg.Rule?.DefaultRetention : undefined;
    if (!d?.Mode) return null;
    const days = d.Days ?? (d.Years ? d.Years * 365 : 0);
    return days > 0 ? { mode: d.Mode as ObjectLockMode, days } : null;
  } catch {
    return null;
  }
}

/** A segment's Object Lock state, from HEAD (GET does not always carry it). */
async function lockStatus(
  store: S3StateStore,
  key: string,
): Promise<Pick<SegmentProtection, "mode" | "retainUntil" | "legalHold">> {
  try {
    const out = await store.client.send(
      new HeadObjectCommand({ Bucket: store.bucket, Key: store.key(key) }),
    );
    return {
      ...(out.ObjectLockMode ? { mode: out.ObjectLockMode } : {}),
      ...(out.ObjectLockRetainUntilDate
        ? { retainUntil: out.ObjectLockRetainUntilDate.toISOString() }
        : {}),
      ...(out.ObjectLockLegalHoldStatus === "ON" ? { legalHold: true } : {}),
    };
  } catch (err) {
    throw stateError(store.label, `cannot read the Object Lock state of ${key}`, err);
  }
}

async function readHeadObject(
  store: S3StateStore,
): Promise<{ head: AuditHead; etag: string } | null> {
  try {
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: store.key(AUDIT_HEAD_KEY) }),
    );
    const head = JSON.parse((await out.Body?.transformToString("utf8")) ?? "") as AuditHead;
    return { head, etag: out.ETag ?? "" };
  } catch (err) {
    if (isNoSuchKey(err)) return null;
    if (err instanceof SyntaxError) {
      throw new SnapgateError(
        "StateFailed",
        `state ${store.label}: ${AUDIT_HEAD_KEY} is not valid JSON (edited or corrupted); run \`snapgate audit-log verify ${store.label}\``,
      );
    }
    throw stateError(store.label, `cannot read ${AUDIT_HEAD_KEY}`, err);
  }
}

/** Segment keys in order, after `startAfter` when given. */
async function listSegments(store: S3StateStore, startAfter?: number): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  const prefix = store.key(`${AUDIT_SEGMENTS_DIR}/`);
  const strip = store.prefix === "" ? 0 : store.prefix.length + 1;
  try {
    do {
      const out = await store.client.send(
        new ListObjectsV2Command({
          Bucket: store.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(startAfter && !token ? { StartAfter: store.key(segmentKey(startAfter)) } : {}),
        }),
      );
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key.slice(strip));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw stateError(store.label, "cannot list the audit log's segments", err);
  }
  return keys.filter((k) => segmentNumber(k) !== undefined).sort();
}

async function readSegment(store: S3StateStore, key: string) {
  try {
    const out = await store.client.send(
      new GetObjectCommand({ Bucket: store.bucket, Key: store.key(key) }),
    );
    return { text: (await out.Body?.transformToString("utf8")) ?? "", out };
  } catch (err) {
    if (isNoSuchKey(err)) return null;
    throw stateError(store.label, `cannot read ${key}`, err);
  }
}

/**
 * The real end of the chain: from the head (or `after`, a segment known to
 * exist) forward to the last segment listed, whose last record is read.
 */
async function findTail(store: S3StateStore, after?: number): Promise<AuditHead> {
  const from = after ?? (await readHeadObject(store))?.head.segment;
  const keys = await listSegments(store, from);
  const last = keys[keys.length - 1] ?? (from ? segmentKey(from) : undefined);
  if (last === undefined) return EMPTY;
  const seg = await readSegment(store, last);
  const lines = (seg?.text ?? "").split("\n").filter((l) => l !== "");
  const lastLine = lines[lines.length - 1];
  let record: AuditRecord | undefined;
  try {
    record = lastLine === undefined ? undefined : (JSON.parse(lastLine) as AuditRecord);
  } catch {
    record = undefined;
  }
  if (!record || typeof record.seq !== "number" || typeof record.hash !== "string") {
    throw new SnapgateError(
      "Refused",
      `state ${store.label}: the last audit segment ${last} is missing or not valid JSON (the log was edited or corrupted); run \`snapgate audit-log verify ${store.label}\` and restore it before going on`,
    );
  }
  return { segment: segmentNumber(last) ?? 0, seq: record.seq, hash: record.hash };
}

/** How one segment is protected from deletion and overwrite. */
export interface SegmentProtection {
  segment: number;
  key: string;
  /** Object Lock retention mode (COMPLIANCE, GOVERNANCE), absent when none */
  mode?: string;
  retainUntil?: string;
  legalHold?: boolean;
}

interface S3VerifyCommon {
  location: string;
  segments: number;
  records: number;
  protection: SegmentProtection[];
  /** not a broken chain, but weaker than it should be: unprotected segments, no head */
  warnings: string[];
}

export type S3VerifyResult =
  | (S3VerifyCommon & { ok: true; head: string; openIntents: OpenIntent[] })
  | (S3VerifyCommon & { ok: false; segment: number; key: string; problem: string });

/**
 * `snapgate audit-log verify s3://bucket/prefix`: recomputes the chain across
 * every segment. A missing segment, an edited or reordered one, or segments
 * cut off the end (the head names more) break it.
 */
export async function verifyS3AuditLog(
  store: S3StateStore,
  nowMs = Date.now(),
): Promise<S3VerifyResult> {
  const keys = await listSegments(store);
  const protection: SegmentProtection[] = [];
  const warnings: string[] = [];
  let prev = GENESIS;
  let records = 0;
  let segments = 0;
  const hashes: string[] = [];
  const open = new Map<string, OpenIntent>();
  const common = () => ({ location: store.label, segments, records, protection, warnings });
  const broken = (segment: number, problem: string) => ({
    ok: false as const,
    ...common(),
    segment,
    key: segmentKey(segment),
    problem,
  });

  for (const [i, key] of keys.entries()) {
    const expected = i + 1;
    const n = segmentNumber(key) ?? 0;
    if (n !== expected) {
      return broken(
        expected,
        `segment ${expected} is missing (the next one stored is ${n}): segments were deleted`,
      );
    }
    const seg = await readSegment(store, key);
    if (!seg) return broken(n, `segment ${n} vanished while it was being verified`);
    protection.push({ segment: n, key, ...(await lockStatus(store, key)) });
    const lines = seg.text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    if (lines.length === 0) return broken(n, `segment ${n} is empty`);
    for (const [j, line] of lines.entries()) {
      let record: AuditRecord;
      try {
        record = JSON.parse(line) as AuditRecord;
      } catch {
        return broken(n, `line ${j + 1} is not valid JSON`);
      }
      if (record === null || typeof record !== "object")
        return broken(n, `line ${j + 1} is not a JSON object`);
      const seq = records + 1;
      if (record.seq !== seq) {
        return broken(
          n,
          `line ${j + 1}: sequence number ${String(record.seq)}, expected ${seq} (records removed, inserted or reordered)`,
        );
      }
      if (record.prev !== prev) {
        return broken(
          n,
          `line ${j + 1}: prev does not match the previous record's hash (records removed or reordered)`,
        );
      }
      const { hash, ...body } = record;
      let computed: string;
      try {
        computed = recordHash(prev, body);
      } catch (err) {
        return broken(n, `line ${j + 1}: cannot be hashed: ${messageOf(err)}`);
      }
      if (computed !== hash)
        return broken(n, `line ${j + 1}: hash does not match the record's content (record edited)`);
      prev = hash;
      hashes.push(hash);
      records++;
      trackIntent(open, record);
    }
    segments++;
  }

  const head = await readHeadObject(store);
  if (head) {
    const h = head.head;
    if (h.segment > segments || h.seq > records || (h.seq > 0 && hashes[h.seq - 1] !== h.hash)) {
      return broken(
        segments + 1,
        `the log ends at segment ${segments} (record ${records}) but its head names segment ${h.segment} (record ${h.seq}): segments were cut off the end`,
      );
    }
  } else if (segments > 0) {
    warnings.push(
      `no ${AUDIT_HEAD_KEY}: segments cut off the end could not be detected (the head is written after each segment)`,
    );
  }
  const unprotected = protection.filter(
    (p) => !p.legalHold && (!p.mode || !p.retainUntil || Date.parse(p.retainUntil) <= nowMs),
  );
  if (unprotected.length > 0) {
    const first = unprotected[0]?.segment;
    warnings.push(
      `${unprotected.length} of ${segments} segments are not WORM-protected (no Object Lock retention in force${first ? `, first: segment ${first}` : ""}): enable Object Lock with a default retention (COMPLIANCE mode) on the bucket so that no one can delete or overwrite them`,
    );
  }
  return { ok: true, ...common(), head: prev, openIntents: [...open.values()] };
}
