/**
 * Retention rules: which in-scope snapshots a SnapshotSet's `retain` rules
 * keep. Every choice here errs towards keeping more:
 * - `newest: N` ranks only `completed` snapshots (the N most recent usable
 *   backups), and a tie on createdAt at the boundary keeps every tied one;
 * - `maxAge` is inclusive: a snapshot exactly maxAge old is still kept;
 * - a rule with both `newest` and `maxAge` keeps what either keeps;
 * - `matchTags` keys compare case-insensitively; a snapshot whose case-folded
 *   duplicate keys disagree is ranked under both readings and kept by either.
 */
import type { LiveSnapshot, RetainRule, SnapshotSet } from "../core/model.js";
import { byNewest, createdAtMs } from "../core/order.js";
import { matchesTags, matchesTagsUnanimously } from "../gate/match-tags.js";

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
  const ofDisk = index.get(diskKey(region, rule.fromDisk)) ?? [];
  const { matchTags } = rule;
  if (matchTags === undefined) return [...keptFrom(rule, ofDisk, nowMs)];
  const anyReading = ofDisk.filter((s) => matchesTags(s.tags, matchTags));
  const kept = keptFrom(rule, anyReading, nowMs);
  // A snapshot tagged `tier=monthly` and `Tier=daily` matches `tier: monthly` under one
  // reading only, and with `newest` either pool can push a snapshot out of the other's
  // top N: keep what either reading keeps.
  const unanimous = anyReading.filter((s) => matchesTagsUnanimously(s.tags, matchTags));
  if (unanimous.length !== anyReading.length)
    for (const s of keptFrom(rule, unanimous, nowMs)) kept.add(s);
  return [...kept];
}

function keptFrom(rule: RetainRule, matching: readonly LiveSnapshot[], nowMs: number) {
  const kept = new Set<LiveSnapshot>();
  if (rule.newest !== undefined) for (const s of keptByNewest(rule.newest, matching)) kept.add(s);
  if (rule.maxAgeMs !== undefined)
    for (const s of keptByAge(rule.maxAgeMs, nowMs, matching)) kept.add(s);
  return kept;
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
