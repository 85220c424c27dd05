/**
 * The in-scope inventory each audit and plan saw, in the audit log, and the
 * history the next audit compares with. An `inventory` record carries the
 * list as compact [region, name, arn] rows and an order-independent digest,
 * so two runs that saw the same snapshots are easy to tell apart from two
 * that did not.
 *
 * The window an audit compares with: every inventory record since (and
 * including) the previous audit's, so each deletion is reported by exactly one
 * audit, also when plans (serve's, say) ran in between.
 */
import {
  type InventoryHistory,
  inventoryDigest,
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
): Promise<void> {
  const rows = [...inScope]
    .map((s) => [s.region, s.name, s.arn] as const)
    .sort((a, b) => (a.join("\u0000") < b.join("\u0000") ? -1 : 1));
  await audit.append("inventory", {
    ...extra,
    by,
    regions: [...regions],
    count: rows.length,
    digest: inventoryDigest(inScope),
    snapshots: rows,
  });
}

/**
 * What an audit compares with. `forServe`: a reconcile compares with the last
 * inventory record only (each deletion counted once by the daemon).
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
  const seen = new Map<string, SightedSnapshot>();
  const regions = new Set<string>();
  for (const r of inventories.slice(start)) {
    for (const region of r.regions) regions.add(region);
    for (const row of r.snapshots) {
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
  return { seen: [...seen.values()], deletedBySnapgate, regions: [...regions] };
}

interface InventoryRecord extends AuditRecord {
  type: "inventory";
  by: InventoryRun;
  regions: string[];
  snapshots: [string, string, string][];
}

function isInventoryRecord(r: AuditRecord): r is InventoryRecord {
  return (
    r.type === "inventory" &&
    (r.by === "audit" || r.by === "plan") &&
    Array.isArray(r.regions) &&
    Array.isArray(r.snapshots)
  );
}
