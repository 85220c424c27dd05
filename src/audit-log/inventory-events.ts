/**
 * The in-scope inventory each audit and plan saw, in the audit log, and the
 * history the next audit compares with. An `inventory` record carries the
 * list as compact [region, name, arn] rows and an order-independent digest,
 * so two runs that saw the same snapshots are easy to tell apart from two
 * that did not. A writer that knows the previous record (serve, which reads
 * the history on every reconcile) writes only the digest and `sameAs: <seq>`
 * when nothing changed, so a daemon planning every few minutes does not copy
 * the same list into the log each time.
 *
 * The window an audit compares with: every inventory record since (and
 * including) the previous audit's, so each deletion is reported by exactly one
 * audit, also when plans (serve's, say) ran in between.
 */
import {
  type InventoryHistory,
  inventoryRows,
  inventoryRowsDigest,
  type SeenSnapshot,
  type SightedSnapshot,
} from "../core/inventory-seen.js";
import type { AuditCursor, AuditReader, AuditRecord } from "./log.js";
import type { AuditAppender } from "./s3-audit.js";

export type InventoryRun = "audit" | "plan";

/** Outcomes of a delete-result that mean snapgate's own apply removed the snapshot. */
const GONE_OUTCOMES = new Set(["deleted", "absent"]);

export async function recordInventory(
  audit: Pick<AuditAppender, "append">,
  by: InventoryRun,
  regions: readonly string[],
  inScope: readonly SeenSnapshot[],
  extra: Record<string, unknown> = {},
  previous?: InventoryHistory["last"],
): Promise<void> {
  const rows = inventoryRows(inScope);
  const digest = inventoryRowsDigest(rows);
  const base = { ...extra, by, regions: [...regions], count: inScope.length, digest };
  if (previous !== undefined && previous.digest === digest) {
    await audit.append("inventory", { ...base, sameAs: previous.listSeq });
    return;
  }
  await audit.append("inventory", { ...base, snapshots: rows });
}

export type HistoryWindow = "since-last-audit" | "last-record";

/**
 * What an audit compares with. `last-record`: serve's reconcile compares with
 * the newest inventory record only (each deletion counted once by the daemon).
 */
export async function readInventoryHistory(
  reader: AuditReader,
  opts: { window?: HistoryWindow } = {},
): Promise<InventoryHistory> {
  return new InventoryHistoryReader(reader, opts.window).read();
}

/**
 * The inventory history, read on from where the last read stopped: serve keeps one for its
 * lifetime, so a reconcile reads only the records appended since the one before (the log
 * grows with every plan; reading it whole each time would make every reconcile slower than
 * the last). It keeps the inventory records of the window and the lists they name.
 */
export class InventoryHistoryReader {
  private cursor: AuditCursor | undefined;
  /** the inventory records of the window, oldest first */
  private inventories: InventoryRecord[] = [];
  /** seq → the list that record stands for (its own, or the one its `sameAs` names) */
  private lists = new Map<number, { seq: number; rows: InventoryRow[] }>();
  private readonly deletedBySnapgate = new Set<string>();

  constructor(
    private readonly reader: AuditReader,
    private readonly window: HistoryWindow = "since-last-audit",
  ) {}

  async read(): Promise<InventoryHistory> {
    const { records, cursor } = await this.reader.readRecordsAfter(this.cursor);
    this.cursor = cursor;
    for (const r of records) this.add(r);
    return this.history();
  }

  private add(r: AuditRecord): void {
    if (r.type === "delete-result") {
      if (
        typeof r.arn === "string" &&
        typeof r.outcome === "string" &&
        GONE_OUTCOMES.has(r.outcome)
      )
        this.deletedBySnapgate.add(r.arn);
      return;
    }
    if (!isInventoryRecord(r)) return;
    // A `sameAs` record lists what the record it names lists.
    const list =
      r.snapshots !== undefined
        ? { seq: r.seq, rows: r.snapshots }
        : (this.lists.get(r.sameAs ?? -1) ?? { seq: r.seq, rows: [] });
    this.lists.set(r.seq, list);
    const startsWindow = this.window === "last-record" || r.by === "audit";
    if (startsWindow) {
      this.inventories = [r];
      this.forgetListsOutside();
    } else this.inventories.push(r);
  }

  /**
   * Lists of records outside the window are dropped, but for the newest few full ones: a
   * `sameAs` names the newest list its writer had read, and another replica may have written
   * one or two since.
   */
  private forgetListsOutside(): void {
    const keep = new Set<number>();
    for (const r of this.inventories) {
      keep.add(r.seq);
      const list = this.lists.get(r.seq);
      if (list) keep.add(list.seq);
    }
    const fullLists = [...new Set([...this.lists.values()].map((l) => l.seq))].sort(
      (a, b) => a - b,
    );
    for (const seq of fullLists.slice(-RECENT_FULL_LISTS)) keep.add(seq);
    for (const seq of [...this.lists.keys()]) if (!keep.has(seq)) this.lists.delete(seq);
  }

  private history(): InventoryHistory {
    const seen = new Map<string, SightedSnapshot>();
    const regions = new Set<string>();
    for (const r of this.inventories) {
      for (const region of r.regions) regions.add(region);
      for (const [region, name, arn] of this.lists.get(r.seq)?.rows ?? []) {
        seen.set(arn, { region, name, arn, lastSeen: r.time, lastSeenBy: r.by });
      }
    }
    const newest = this.inventories.at(-1);
    return {
      seen: [...seen.values()],
      deletedBySnapgate: new Set(this.deletedBySnapgate),
      regions: [...regions],
      ...(newest && typeof newest.digest === "string"
        ? {
            last: {
              digest: newest.digest,
              listSeq: this.lists.get(newest.seq)?.seq ?? newest.seq,
            },
          }
        : {}),
    };
  }
}

type InventoryRow = [string, string, string];

/** Full lists kept beyond the window, for `sameAs` records written in a race between replicas. */
const RECENT_FULL_LISTS = 8;

interface InventoryRecord extends AuditRecord {
  type: "inventory";
  by: InventoryRun;
  regions: string[];
  digest?: string;
  /** absent when `sameAs` names the record holding the same list */
  snapshots?: InventoryRow[];
  sameAs?: number;
}

function isInventoryRecord(r: AuditRecord): r is InventoryRecord {
  return (
    r.type === "inventory" &&
    (r.by === "audit" || r.by === "plan") &&
    Array.isArray(r.regions) &&
    (Array.isArray(r.snapshots) || typeof r.sameAs === "number")
  );
}
