/**
 * Retention rules: which in-scope snapshots a SnapshotSet's `retain` rules
 * keep. Every choice here errs towards keeping more:
 * - `newest: N` ranks only `completed` snapshots (the N most recent usable
 *   backups), and a tie on createdAt at the boundary keeps every tied one;
 * - `maxAge` is inclusive: a snapshot exactly maxAge old is still kept;
 * - a rule with both `newest` and `maxAge` keeps what either keeps.
 */
import type { LiveSnapshot, RetainRule, SnapshotSet } from "../core/model.js";
import { byNewest, createdAtMs } from "../core/order.js";
import { matchesTags } from "../gate/match-tags.js";

/** In-scope snapshots grouped by region and source disk, built once per plan. */
export type DiskIndex = ReadonlyMap<string, readonly LiveSnapshot[]>;

export function diskKey(region: string, disk: string): string {
  return `${region}\u0000${disk}`;
}

export function indexByDisk(snapshots: readonly LiveSnapshot[]): DiskIndex {
  const index = new Map<string, LiveSnapshot[]>();
  for (const s of snapshots) {
    if (s.fromDiskName === undefined) continue;
    const key = diskKey(s.region, s.fromDiskName);
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
  }
  return index;
}

function ruleCandidates(rule: RetainRule, region: string, index: DiskIndex) {
  const ofDisk = index.get(diskKey(region, rule.fromDisk)) ?? [];
  return rule.matchTags ? ofDisk.filter((s) => matchesTags(s.tags, rule.matchTags!)) : ofDisk;
}

/** The newest N completed snapshots, plus any tied with the Nth on createdAt. */
function keptByNewest(n: number, snapshots: readonly LiveSnapshot[]): LiveSnapshot[] {
  const completed = snapshots.filter((s) => s.state === "completed").sort(byNewest);
  if (completed.length <= n) return completed;
  const boundary = createdAtMs(completed[n - 1]!);
  return completed.filter((s) => createdAtMs(s) >= boundary);
}

function keptByAge(maxAgeMs: number, nowMs: number, snapshots: readonly LiveSnapshot[]) {
  return snapshots.filter((s) => nowMs - createdAtMs(s) <= maxAgeMs);
}

/** Snapshots one rule keeps. */
export function keptByRule(
  rule: RetainRule,
  region: string,
  index: DiskIndex,
  nowMs: number,
): LiveSnapshot[] {
  const matching = ruleCandidates(rule, region, index);
  const kept = new Set<LiveSnapshot>();
  if (rule.newest !== undefined) for (const s of keptByNewest(rule.newest, matching)) kept.add(s);
  if (rule.maxAgeMs !== undefined)
    for (const s of keptByAge(rule.maxAgeMs, nowMs, matching)) kept.add(s);
  return [...kept];
}

/** Every snapshot that some retain rule of some set keeps. */
export function keptByRetention(
  sets: readonly SnapshotSet[],
  inScope: readonly LiveSnapshot[],
  nowMs: number,
): Set<LiveSnapshot> {
  const index = indexByDisk(inScope);
  const kept = new Set<LiveSnapshot>();
  for (const set of sets) {
    for (const rule of set.retain) {
      for (const s of keptByRule(rule, set.region, index, nowMs)) kept.add(s);
    }
  }
  return kept;
}
