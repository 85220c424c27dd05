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
import type { AuditReader, AuditRecord } from "./log.js";
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

/**
 * What an audit compares with. `last-record`: serve's reconcile compares with
 * the newest inventory record only (each deletion counted once by the daemon).
 */
export async function readInventoryHistory(
  reader: AuditReader,
  opts: { window?: "since-last-audit" | "last-record" } = {},
): Promise<InventoryHistory> {
  const records = await reader.readRecords();
  const inventories = records.filter(isInventoryRecord);
  const window = opts.window ?? "since-last-audit";
  let start = 0;
  if (window === "last-record") start = Math.max(0, inventories.length - 1);
  else {
    for (let i = inventories.length - 1; i >= 0; i--) {
      if (inventories[i]!.by === "audit") {
        start = i;
        break;
      }
    }
  }
  // A `sameAs` record lists what the record it names lists.
  const lists = new Map<number, { seq: number; rows: InventoryRecord["snapshots"] }>();
  const listOf = (r: InventoryRecord) =>
    r.snapshots !== undefined
      ? { seq: r.seq, rows: r.snapshots }
      : (lists.get(r.sameAs ?? -1) ?? { seq: r.seq, rows: [] });
  for (const r of inventories) lists.set(r.seq, listOf(r));
  const seen = new Map<string, SightedSnapshot>();
  const regions = new Set<string>();
  for (const r of inventories.slice(start)) {
    for (const region of r.regions) regions.add(region);
    for (const row of lists.get(r.seq)?.rows ?? []) {
      const [region, name, arn] = row;
      seen.set(arn, { region, name, arn, lastSeen: r.time, lastSeenBy: r.by });
    }
  }
  const deletedBySnapgate = new Set<string>();
  for (const r of records) {
    if (r.type !== "delete-result") continue;
    if (typeof r.arn === "string" && typeof r.outcome === "string" && GONE_OUTCOMES.has(r.outcome))
      deletedBySnapgate.add(r.arn);
  }
  const newest = inventories.at(-1);
  return {
    seen: [...seen.values()],
    deletedBySnapgate,
    regions: [...regions],
    ...(newest && typeof newest.digest === "string"
      ? { last: { digest: newest.digest, listSeq: lists.get(newest.seq)?.seq ?? newest.seq } }
      : {}),
  };
}

interface InventoryRecord extends AuditRecord {
  type: "inventory";
  by: InventoryRun;
  regions: string[];
  digest?: string;
  /** absent when `sameAs` names the record holding the same list */
  snapshots?: [string, string, string][];
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
