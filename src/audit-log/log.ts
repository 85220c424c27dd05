/**
 * The audit log: JSON lines, one record per event, each carrying
 * `prev` (the previous record's hash) and `hash` = sha256(prev + canonical
 * record). Every append is flushed to disk before it returns, and appends
 * from several processes are serialised with a short-held lock file so the
 * chain never forks. A `.head` file beside the log remembers the last hash,
 * so that cutting records off the end is detected too.
 */
import { mkdir, open, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Batcher } from "../core/batcher.js";
import { canonicalJson, sha256 } from "../core/canonical-json.js";
import { SnapgateError } from "../core/errors.js";
import { waitForLock } from "../core/file-lock.js";

export const GENESIS = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

export type AuditEventType =
  | "plan"
  | "decision"
  | "apply-start"
  | "delete-intent"
  | "delete-result"
  | "apply-summary"
  | "audit-run"
  | "audit-repair"
  | "reconcile"
  | "notification"
  | "inventory";

export interface AuditRecord {
  seq: number;
  time: string;
  type: AuditEventType;
  [field: string]: unknown;
  prev: string;
  hash: string;
}

export function recordHash(prev: string, body: Omit<AuditRecord, "hash">): string {
  return sha256(prev + canonicalJson(body));
}

interface Head {
  seq: number;
  hash: string;
}

/** The records of these events, chained one after another from `after`, each hashed. */
export function chainRecords(after: Head, events: readonly PendingEvent[]): AuditRecord[] {
  const records: AuditRecord[] = [];
  let prev = after;
  for (const { type, fields } of events) {
    const body = {
      ...fields,
      seq: prev.seq + 1,
      time: new Date().toISOString(),
      type,
      prev: prev.hash,
    };
    const record: AuditRecord = { ...body, hash: recordHash(prev.hash, body) };
    records.push(record);
    prev = record;
  }
  return records;
}

interface Tail extends Head {
  /** a partial last line (a crash mid-write) that was cut off, for the record */
  tornBytes?: { length: number; sha256: string };
}

/**
 * Reads the last record of a log without reading it all. A partial last line
 * can only come from a crash in the middle of a write that was never
 * acknowledged: it is cut off (and reported), so the chain goes on from the
 * last complete record. A complete line that is not JSON is corruption: refuse.
 */
async function readTail(file: string): Promise<Tail> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { seq: 0, hash: GENESIS };
  }
  if (size === 0) return { seq: 0, hash: GENESIS };
  const fh = await open(file, "r+");
  try {
    let window = 64 * 1024;
    for (;;) {
      const start = Math.max(0, size - window);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      const lastNl = buf.lastIndexOf(0x0a);
      let end = buf.length;
      let torn: Tail["tornBytes"];
      if (lastNl !== buf.length - 1) {
        if (lastNl < 0 && start > 0) {
          window *= 4;
          continue;
        }
        const partial = buf.subarray(lastNl + 1);
        torn = { length: partial.length, sha256: sha256(partial) };
        await fh.truncate(start + lastNl + 1);
        await fh.sync();
        end = lastNl + 1;
        size = start + end;
      }
      if (end === 0) return { seq: 0, hash: GENESIS, ...(torn ? { tornBytes: torn } : {}) };
      const body = buf.subarray(0, end - 1);
      const prevNl = body.lastIndexOf(0x0a);
      if (prevNl < 0 && start > 0) {
        window *= 4;
        continue;
      }
      let last: AuditRecord;
      try {
        last = JSON.parse(body.subarray(prevNl + 1).toString("utf8")) as AuditRecord;
      } catch {
        throw new SnapgateError(
          "Refused",
          `${file}: the last audit record is not valid JSON (the log was edited or corrupted); run \`snapgate audit-log verify ${file}\` and restore it before going on`,
        );
      }
      return { seq: last.seq, hash: last.hash, ...(torn ? { tornBytes: torn } : {}) };
    }
  } finally {
    await fh.close();
  }
}

export type PendingEvent = { type: AuditEventType; fields: Record<string, unknown> };

/** What the apply, plan and serve paths need of an audit log: this file, or segments on S3. */
export interface AuditAppender {
  /** where it is, for messages */
  readonly label: string;
  append(type: AuditEventType, fields: Record<string, unknown>): Promise<AuditRecord>;
  appendMany(events: readonly PendingEvent[]): Promise<AuditRecord[]>;
}

/** Reading an audit log back, local or on S3: every complete record, oldest first. */
/** Where a read of a log stopped: a local log's byte offset, an S3 log's last segment number. */
export interface AuditCursor {
  readonly position: number;
}

export interface AuditReader {
  readRecords(): Promise<AuditRecord[]>;
  /**
   * The complete records after `cursor` (every record without one) and where they end, so
   * that a long-running reader (serve, on every reconcile) reads only what was appended since.
   */
  readRecordsAfter(cursor?: AuditCursor): Promise<{ records: AuditRecord[]; cursor: AuditCursor }>;
}

/** Complete JSON lines of a log's text; a torn last line (a crash mid-write) is left out. */
export function parseRecords(text: string): AuditRecord[] {
  const lines = text.split("\n");
  // The last element is "" after a final newline, or a partial line that was never acknowledged.
  lines.pop();
  return lines.filter((l) => l !== "").map((l) => JSON.parse(l) as AuditRecord);
}

/** A log to write and read back (the audit and serve paths compare with earlier runs). */
export type AuditStore = AuditAppender & AuditReader;

export class AuditLog implements AuditAppender, AuditReader {
  /** Concurrent appends are written together: one lock, one write, one fsync. */
  private readonly batcher = new Batcher<PendingEvent, AuditRecord>((events) => this.write(events));

  constructor(readonly file: string) {}

  get label(): string {
    return this.file;
  }

  /** Appends one event; resolves once it is on disk. */
  append(type: AuditEventType, fields: Record<string, unknown>): Promise<AuditRecord> {
    return this.batcher.push({ type, fields });
  }

  /** Appends several events in order (e.g. a plan's decisions); resolves once all are on disk. */
  appendMany(events: readonly PendingEvent[]): Promise<AuditRecord[]> {
    return Promise.all(events.map((e) => this.batcher.push(e)));
  }

  /** Every complete record; none when the log does not exist yet. */
  async readRecords(): Promise<AuditRecord[]> {
    return (await this.readRecordsAfter()).records;
  }

  async readRecordsAfter(
    cursor?: AuditCursor,
  ): Promise<{ records: AuditRecord[]; cursor: AuditCursor }> {
    const from = cursor?.position ?? 0;
    let bytes: Buffer;
    let size: number;
    try {
      ({ bytes, size } = await readFrom(this.file, from));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && from === 0)
        return { records: [], cursor: { position: 0 } };
      throw err;
    }
    if (size < from) {
      throw new SnapgateError(
        "Refused",
        `${this.file}: the audit log is shorter than when it was last read (${from} bytes): it was cut or replaced; run \`snapgate audit-log verify ${this.file}\``,
      );
    }
    // complete lines only: a line still being written is read next time
    const end = bytes.lastIndexOf(0x0a) + 1;
    try {
      return {
        records: parseRecords(bytes.subarray(0, end).toString("utf8")),
        cursor: { position: from + end },
      };
    } catch {
      throw new SnapgateError(
        "Refused",
        `${this.file}: an audit record is not valid JSON (the log was edited or corrupted); run \`snapgate audit-log verify ${this.file}\``,
      );
    }
  }

  private async write(events: readonly PendingEvent[]): Promise<AuditRecord[]> {
    if (events.length === 0) return [];
    await mkdir(path.dirname(this.file), { recursive: true });
    // Other processes (serve and a CLI apply) may append too: the chain must not fork.
    const lock = await waitForLock(`${this.file}.lock`, "audit append");
    try {
      const found: Tail = await readTail(this.file);
      const torn = found.tornBytes;
      const all: readonly PendingEvent[] = torn
        ? [{ type: "audit-repair", fields: { removedPartialRecord: torn } }, ...events]
        : events;
      const records = chainRecords(found, all);
      const last = records.at(-1);
      const tail: Head = last ? { seq: last.seq, hash: last.hash } : found;
      const fh = await open(this.file, "a", 0o600);
      try {
        await fh.write(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await writeHead(this.file, tail);
      return torn ? records.slice(1) : records;
    } finally {
      await lock.release();
    }
  }
}

/**
 * The head file is a hint written after the log itself is flushed: it may lag
 * behind after a crash (verify accepts that), but it never runs ahead.
 */
async function writeHead(file: string, head: Head): Promise<void> {
  const tmp = `${file}.head.tmp`;
  await writeFile(tmp, JSON.stringify(head), { mode: 0o600 });
  await rename(tmp, `${file}.head`);
}

export async function readHead(file: string): Promise<Head | null> {
  try {
    return JSON.parse(await readFile(`${file}.head`, "utf8")) as Head;
  } catch {
    return null;
  }
}

/** The bytes of `file` from `offset` to its current end, and its size. */
async function readFrom(file: string, offset: number): Promise<{ bytes: Buffer; size: number }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const bytes = Buffer.alloc(Math.max(0, size - offset));
    let at = 0;
    while (at < bytes.length) {
      const { bytesRead } = await handle.read(bytes, at, bytes.length - at, offset + at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return { bytes: bytes.subarray(0, at), size };
  } finally {
    await handle.close();
  }
}
