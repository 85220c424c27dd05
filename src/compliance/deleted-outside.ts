/**
 * Deleted outside snapgate: an in-scope snapshot an earlier audit or plan saw
 * (by ARN), that is no longer live in a region listed now, and for which the
 * audit log holds no delete-result of snapgate's own apply. The console click
 * or the script that bypassed review. A snapshot that merely left the scope
 * (its tags changed) is still live and is not reported. Pure.
 */
import type { InventoryHistory } from "../core/inventory-seen.js";
import type { Inventory } from "../core/model.js";
import { byRegionAndName } from "../core/order.js";

export interface DeletedOutside {
  region: string;
  name: string;
  arn: string;
  /** RFC 3339: when an audit or plan last saw it */
  lastSeen: string;
  lastSeenBy: "audit" | "plan";
}

export function findDeletedOutside(
  history: InventoryHistory,
  inventory: Inventory,
): DeletedOutside[] {
  const listedNow = new Set(inventory.regions);
  const liveArns = new Set(inventory.snapshots.map((s) => s.arn));
  return history.seen
    .filter(
      (s) =>
        listedNow.has(s.region) && !liveArns.has(s.arn) && !history.deletedBySnapgate.has(s.arn),
    )
    .map((s) => ({
      region: s.region,
      name: s.name,
      arn: s.arn,
      lastSeen: s.lastSeen,
      lastSeenBy: s.lastSeenBy,
    }))
    .sort(byRegionAndName);
}
