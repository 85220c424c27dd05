/**
 * Reading what an apply left behind — its journal and the audit log — and
 * checking the exactly-once invariants against the emulator's record.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { journalPath } from "../../src/apply/journal.js";
import type { Plan } from "../../src/core/model.js";

export interface JournalLine {
  type: "intent" | "result";
  key: string;
  arn?: string;
  outcome?: string;
  detail?: string;
}

export async function readJournal(stateDir: string, plan: Plan): Promise<JournalLine[]> {
  let text: string;
  try {
    text = await readFile(journalPath(stateDir, plan.digest), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const lines: JournalLine[] = [];
  for (const l of text.split("\n")) {
    if (l.trim() === "") continue;
    try {
      lines.push(JSON.parse(l) as JournalLine);
    } catch {
      // a torn last line is allowed after a SIGKILL; the journal tolerates it too
    }
  }
  return lines;
}

/** Keys whose last journal line is an intent: deletes in flight when the process died. */
export function inFlightKeys(lines: readonly JournalLine[]): string[] {
  const last = new Map<string, JournalLine["type"]>();
  for (const l of lines) last.set(l.key, l.type);
  return [...last].filter(([, t]) => t === "intent").map(([k]) => k);
}

/** The final result of every key that has one. */
export function finalResults(lines: readonly JournalLine[]): Map<string, JournalLine> {
  const out = new Map<string, JournalLine>();
  for (const l of lines) if (l.type === "result") out.set(l.key, l);
  return out;
}

export interface AuditLine {
  seq: number;
  time: string;
  type: string;
  arn?: string;
  name?: string;
  region?: string;
  outcome?: string;
  planDigest?: string;
}

export async function readAudit(stateDir: string): Promise<AuditLine[]> {
  const text = await readFile(path.join(stateDir, "audit.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as AuditLine);
}

/**
 * Problems with the audit trail of one plan's deletions: every `deleted`
 * result needs an earlier intent for the same ARN, and every ARN the
 * emulator deleted needs an intent recorded no later than the deletion.
 */
export function auditProblems(
  audit: readonly AuditLine[],
  /** undefined: any plan's intents count (serve makes a new plan after each restart) */
  planDigest: string | undefined,
  deleted: readonly { arn: string; at?: number }[],
): string[] {
  const problems: string[] = [];
  const firstIntent = new Map<string, AuditLine>();
  for (const r of audit) {
    if ((planDigest !== undefined && r.planDigest !== planDigest) || r.arn === undefined) continue;
    if (r.type === "delete-intent" && !firstIntent.has(r.arn)) firstIntent.set(r.arn, r);
    if (r.type === "delete-result" && r.outcome === "deleted") {
      const intent = firstIntent.get(r.arn);
      if (!intent || intent.seq > r.seq)
        problems.push(`delete-result #${r.seq} for ${r.arn} has no earlier intent`);
    }
  }
  for (const d of deleted) {
    const intent = firstIntent.get(d.arn);
    if (!intent) problems.push(`${d.arn} was deleted without any intent in the audit log`);
    else if (d.at !== undefined && Date.parse(intent.time) > d.at) {
      problems.push(
        `${d.arn}: intent at ${intent.time} is after the deletion at ${new Date(d.at).toISOString()}`,
      );
    }
  }
  return problems;
}

/** Values that occur more than once. */
export function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}
