/**
 * Write-ahead journal of one plan's apply, keyed by the plan digest: an
 * `intent` line is on disk before each DeleteDiskSnapshot, a `result` line
 * after. Re-running apply on the same plan reads it to resume: items with a
 * final result are skipped, items with an intent and no result (in flight at
 * a crash) are re-checked against live state before anything else happens.
 */
import { mkdir, readFile, truncate } from "node:fs/promises";
import path from "node:path";
import { DurableAppender } from "../core/batcher.js";

export type ItemOutcome =
  /** deleted by this apply (operation succeeded and the snapshot is gone) */
  | "deleted"
  /** not there any more when we looked: counts as done */
  | "absent"
  /** left alone on purpose: changed since plan, no longer in scope, protected */
  | "skipped"
  /** Lightsail said AccessDenied, or the access check now denies it */
  | "denied"
  /** the delete or its operation failed */
  | "failed";

export const FINAL_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(["deleted", "absent"]);

export interface OperationRecord {
  id: string;
  status: string;
  isTerminal?: boolean;
  errorCode?: string;
  errorDetails?: string;
}

export type JournalEntry =
  | { type: "intent"; key: string; arn: string; attempt: number; at: string }
  | {
      type: "result";
      key: string;
      outcome: ItemOutcome;
      detail: string;
      operations: OperationRecord[];
      at: string;
    };

export interface ItemState {
  intents: number;
  /** the ARN the latest intent named */
  arn?: string;
  result?: Extract<JournalEntry, { type: "result" }>;
}

export function journalPath(stateDir: string, planDigest: string): string {
  return path.join(stateDir, "journals", `${planDigest.replace(/^sha256:/, "")}.jsonl`);
}

/**
 * Present while a run of this plan may have deletes in flight: written before
 * the first delete, removed when the run returns. One left behind marks a
 * crash, so later runs look at these few journals instead of all of them.
 */
export function openMarkerPath(stateDir: string, planDigest: string): string {
  return path.join(stateDir, "journals", `${planDigest.replace(/^sha256:/, "")}.open`);
}

/** What apply (the executor, the settling of interrupted runs) needs of a journal, local or on S3. */
export interface ApplyJournal {
  state(key: string): ItemState | undefined;
  inFlight(key: string): boolean;
  interrupted(): { key: string; arn: string }[];
  /** durable before it resolves: only then may the DeleteDiskSnapshot be sent */
  intent(key: string, arn: string): Promise<void>;
  result(
    key: string,
    outcome: ItemOutcome,
    detail: string,
    operations?: OperationRecord[],
  ): Promise<void>;
}

/** Folds journal lines into per-item state (shared by the local and the S3 journal). */
export function foldEntries(text: string, items: Map<string, ItemState>): void {
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      continue; // a torn last line from a crash mid-write: the intent before it still counts
    }
    const state = items.get(entry.key) ?? { intents: 0 };
    if (entry.type === "intent") {
      state.intents++;
      state.arn = entry.arn;
    } else state.result = entry;
    items.set(entry.key, state);
  }
}

/**
 * The journal's per-item state and its entries, the same for every store; a
 * store only says how an entry is written (durably, before write resolves).
 */
export abstract class JournalState implements ApplyJournal {
  protected constructor(protected readonly items: Map<string, ItemState>) {}

  protected abstract write(entry: JournalEntry): Promise<void>;

  state(key: string): ItemState | undefined {
    return this.items.get(key);
  }

  /** Items whose previous run recorded an intent but no result: in flight at a crash. */
  inFlight(key: string): boolean {
    const s = this.items.get(key);
    return s !== undefined && s.intents > 0 && s.result === undefined;
  }

  /** Every item in flight at a crash, with the ARN its intent named. */
  interrupted(): { key: string; arn: string }[] {
    return [...this.items]
      .filter(([key]) => this.inFlight(key))
      .map(([key, s]) => ({ key, arn: s.arn ?? "" }));
  }

  async intent(key: string, arn: string): Promise<void> {
    const state = this.items.get(key) ?? { intents: 0 };
    state.intents++;
    state.arn = arn;
    this.items.set(key, state);
    await this.write({
      type: "intent",
      key,
      arn,
      attempt: state.intents,
      at: new Date().toISOString(),
    });
  }

  async result(
    key: string,
    outcome: ItemOutcome,
    detail: string,
    operations: OperationRecord[] = [],
  ): Promise<void> {
    const entry = {
      type: "result" as const,
      key,
      outcome,
      detail,
      operations,
      at: new Date().toISOString(),
    };
    const state = this.items.get(key) ?? { intents: 0 };
    state.result = entry;
    this.items.set(key, state);
    await this.write(entry);
  }
}

export class Journal extends JournalState {
  private readonly appender: DurableAppender;

  private constructor(
    readonly file: string,
    items: Map<string, ItemState>,
  ) {
    super(items);
    this.appender = new DurableAppender(file);
  }

  static async open(file: string): Promise<Journal> {
    await mkdir(path.dirname(file), { recursive: true });
    const items = new Map<string, ItemState>();
    let text = "";
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (text !== "" && !text.endsWith("\n")) {
      // A torn last line from a crash mid-write: cut it off, or the next append would be glued
      // onto it and lost with it on the following open.
      text = text.slice(0, text.lastIndexOf("\n") + 1);
      await truncate(file, Buffer.byteLength(text));
    }
    foldEntries(text, items);
    return new Journal(file, items);
  }

  /** Durable before it resolves; concurrent writes share one fsync. */
  protected write(entry: JournalEntry): Promise<void> {
    return this.appender.append(`${JSON.stringify(entry)}\n`);
  }
}
