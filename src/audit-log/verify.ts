/**
 * `snapgate audit-log verify`: recomputes the hash chain. Any edited,
 * reordered, inserted or removed record breaks it; cutting records off the
 * end is caught by the `.head` file when it is present.
 */
import { badInput, messageOf } from "../core/errors.js";
import { readBoundedText } from "../core/untrusted-file.js";
import { type AuditRecord, GENESIS, readHead, recordHash } from "./log.js";

/** A delete-intent with no delete-result after it for the same plan and snapshot. */
export interface OpenIntent {
  seq: number;
  planDigest: string;
  region: string;
  name: string;
}

export type VerifyResult =
  | {
      ok: true;
      records: number;
      head: string;
      /** deletes a crash interrupted that no apply has settled yet (a run in progress has some too) */
      openIntents: OpenIntent[];
    }
  | { ok: false; records: number; line: number; problem: string };

/**
 * The largest audit log verified in one piece (a string of it must fit in memory). A log is
 * verified as a whole so the chain from its genesis holds; past this, the error says so.
 */
export const MAX_AUDIT_LOG_BYTES = 256 * 1024 * 1024;

export async function verifyAuditLog(file: string): Promise<VerifyResult> {
  // bounded: `verify /dev/zero` or a FIFO is refused before anything is read
  const read = await readBoundedText(file, { maxBytes: MAX_AUDIT_LOG_BYTES });
  if (!read.ok) {
    const { line, col, message } = read.problem;
    throw badInput([
      { file, ...(line !== undefined ? { line, col } : {}), message: `audit log ${message}` },
    ]);
  }
  const text = read.text;
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  let prev = GENESIS;
  let count = 0;
  const hashes: string[] = [];
  const open = new Map<string, OpenIntent>();
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    let record: AuditRecord;
    try {
      record = JSON.parse(lines[i]!) as AuditRecord;
    } catch {
      return { ok: false, records: count, line, problem: "not valid JSON" };
    }
    if (record === null || typeof record !== "object") {
      return { ok: false, records: count, line, problem: "not a JSON object" };
    }
    if (record.seq !== line) {
      return {
        ok: false,
        records: count,
        line,
        problem: `sequence number ${String(record.seq)}, expected ${line} (record removed, inserted or reordered)`,
      };
    }
    if (record.prev !== prev) {
      return {
        ok: false,
        records: count,
        line,
        problem: "prev does not match the previous record's hash (record removed or reordered)",
      };
    }
    const { hash, ...body } = record;
    let computed: string;
    try {
      computed = recordHash(prev, body);
    } catch (err) {
      return { ok: false, records: count, line, problem: `cannot be hashed: ${messageOf(err)}` };
    }
    if (computed !== hash) {
      return {
        ok: false,
        records: count,
        line,
        problem: "hash does not match the record's content (record edited)",
      };
    }
    prev = hash;
    hashes.push(hash);
    count++;
    trackIntent(open, record);
  }
  // The head may lag after a crash (it is written after the log), never lead:
  // a head beyond the log, or one that disagrees with the record it names, means cut-off records.
  const head = await readHead(file);
  if (head && (head.seq > count || (head.seq > 0 && hashes[head.seq - 1] !== head.hash))) {
    return {
      ok: false,
      records: count,
      line: count + 1,
      problem: `the log ends at record ${count} but its head file names record ${head.seq} (records cut off the end)`,
    };
  }
  return { ok: true, records: count, head: prev, openIntents: [...open.values()] };
}

/** Follows delete-intents and the delete-results that settle them (shared with the S3 verify). */
export function trackIntent(open: Map<string, OpenIntent>, record: AuditRecord): void {
  if (record.type !== "delete-intent" && record.type !== "delete-result") return;
  const { planDigest, region, name } = record;
  if (typeof planDigest !== "string" || typeof region !== "string" || typeof name !== "string")
    return;
  const key = `${planDigest}\u0000${region}\u0000${name}`;
  if (record.type === "delete-intent") open.set(key, { seq: record.seq, planDigest, region, name });
  else open.delete(key);
}
