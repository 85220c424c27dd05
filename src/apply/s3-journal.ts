/**
 * The apply journal of one plan (keyed by its digest) in a state store — on
 * S3, a log of part objects `journals/<digest>.jsonl/<part>` each created with
 * `If-None-Match: *`. Same entries and the same write-ahead rule as the local
 * journal (src/apply/journal.ts): `intent()` resolves only once the entry is
 * stored, so the DeleteDiskSnapshot it announces is never sent first. Entries
 * written in one tick (a batch of concurrent items) share one PUT, the way
 * the local journal shares one fsync.
 */

import { Batcher } from "../core/batcher.js";
import type { StateStore } from "../state/store.js";
import { foldEntries, type ItemState, type JournalEntry, JournalState } from "./journal.js";

function hex(planDigest: string): string {
  return planDigest.replace(/^sha256:/, "");
}

/** The journal's key in a store, as on disk: `journals/<hex>.jsonl`. */
export function journalKey(planDigest: string): string {
  return `journals/${hex(planDigest)}.jsonl`;
}

/** Present while a run of the plan may have deletes in flight; holds the account. */
export function openMarkerKey(planDigest: string): string {
  return `journals/${hex(planDigest)}.open`;
}

export class S3Journal extends JournalState {
  private readonly batcher: Batcher<string, undefined>;

  private constructor(
    private readonly store: StateStore,
    readonly key: string,
    items: Map<string, ItemState>,
  ) {
    super(items);
    this.batcher = new Batcher(async (lines) => {
      await this.store.append(this.key, lines.join(""));
      return lines.map(() => undefined);
    });
  }

  /** Reads the plan's journal (empty when it has none) from any state store. */
  static async open(store: StateStore, planDigest: string): Promise<S3Journal> {
    const key = journalKey(planDigest);
    const items = new Map<string, ItemState>();
    foldEntries(await store.readLog(key), items);
    return new S3Journal(store, key, items);
  }

  /** Stored before it resolves; writes in one tick share one PUT (appends never overlap). */
  protected write(entry: JournalEntry): Promise<void> {
    return this.batcher.push(`${JSON.stringify(entry)}\n`);
  }
}
