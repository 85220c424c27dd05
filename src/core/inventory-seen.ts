/**
 * What an audit or plan saw of the in-scope inventory, and what the audit log
 * says about it afterwards: the vocabulary shared by the audit log (which
 * records and reads sightings) and the compliance report (which compares them
 * with the live inventory to find snapshots deleted outside snapgate).
 */
import { canonicalJson, sha256 } from "./canonical-json.js";

/** One in-scope snapshot as it was seen: enough to name it and to match delete results. */
export interface SeenSnapshot {
  region: string;
  name: string;
  arn: string;
}

/** A snapshot seen in an earlier run, with when it was last seen. */
export interface SightedSnapshot extends SeenSnapshot {
  /** RFC 3339: the time of the last inventory record that listed it */
  lastSeen: string;
  /** which run saw it last */
  lastSeenBy: "audit" | "plan";
}

/** The earlier sightings an audit compares the live inventory with. */
export interface InventoryHistory {
  /** in-scope snapshots seen since (and including) the previous audit's inventory, newest sighting per ARN */
  seen: readonly SightedSnapshot[];
  /** ARNs that snapgate's own apply deleted (a `delete-result` with a final outcome) */
  deletedBySnapgate: ReadonlySet<string>;
  /** regions listed by those runs: a snapshot is "gone" only from a region listed now */
  regions?: readonly string[];
  /** the newest inventory record: its digest, and the seq of the record holding its list */
  last?: { digest: string; listSeq: number };
}

/** The empty history: a first audit has nothing to compare with. */
export const NO_HISTORY: InventoryHistory = { seen: [], deletedBySnapgate: new Set() };

/** An inventory list as [region, name, arn] rows in one order, whatever order it was listed in. */
export function inventoryRows(
  snapshots: readonly SeenSnapshot[],
): (readonly [string, string, string])[] {
  // the sort key is built once per row, not once per comparison (10,000 rows on every plan)
  return snapshots
    .map((s) => ({
      key: `${s.region}\u0000${s.name}\u0000${s.arn}`,
      row: [s.region, s.name, s.arn] as const,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((k) => k.row);
}

/** Order-independent digest of an inventory list: equal sets of snapshots, equal digests. */
export function inventoryDigest(snapshots: readonly SeenSnapshot[]): string {
  return inventoryRowsDigest(inventoryRows(snapshots));
}

/** The digest of rows already in inventoryRows' order. */
export function inventoryRowsDigest(rows: readonly (readonly [string, string, string])[]): string {
  return sha256(canonicalJson(rows));
}
