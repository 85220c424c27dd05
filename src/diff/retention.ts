/**
 * Retention rules: which in-scope snapshots a SnapshotSet's `retain` rules
 * keep, and why. Every choice here errs towards keeping more:
 * - `newest: N` ranks only `completed` snapshots (the N most recent usable
 *   backups), and a tie on createdAt at the boundary keeps every tied one;
 * - `maxAge` is inclusive: a snapshot exactly maxAge old is still kept;
 * - `within: D` keeps every completed snapshot created at most D before the
 *   source's newest completed one (restic's --keep-within: a stalled source
 *   keeps its last D of backups however old they are);
 * - `calendar` keeps restic-style buckets (see calendar.ts);
 * - a rule keeps what any of its parts keeps;
 * - `matchTags` keys compare case-insensitively; a snapshot whose case-folded
 *   duplicate keys disagree is ranked under both readings and kept by either.
 */
import type { LiveSnapshot, RetainRule, SnapshotSet } from "../core/model.js";
import { byNewest, createdAtMs } from "../core/order.js";
import { ruleSource, snapshotSourceKey, sourceKeyOf } from "../core/source.js";
import { matchesTags, matchesTagsUnanimously } from "../core/tags.js";
import { formatDuration } from "../desired/duration.js";
import { keptByCalendar } from "./calendar.js";

/** In-scope snapshots grouped by region and source (disk or instance), built once per plan. */
export type SourceIndex = ReadonlyMap<string, readonly LiveSnapshot[]>;

export function indexBySource(snapshots: readonly LiveSnapshot[]): SourceIndex {
  const index = new Map<string, LiveSnapshot[]>();
  for (const s of snapshots) {
    const key = snapshotSourceKey(s);
    if (key === undefined) continue;
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
  }
  return index;
}

/** Why each desired snapshot stays: `keep`, `newest 7`, `daily 2026-11-30`, … */
export type KeepReasons = Map<LiveSnapshot, string[]>;

export function addReason(reasons: KeepReasons, s: LiveSnapshot, reason: string): void {
  const list = reasons.get(s);
  if (!list) reasons.set(s, [reason]);
  else if (!list.includes(reason)) list.push(reason);
}

/**
 * The pools a rule ranks: its source's snapshots matching its tags. A snapshot tagged
 * `tier=monthly` and `Tier=daily` matches `tier: monthly` under one reading only, and with
 * `newest` either pool can push a snapshot out of the other's top N, so both readings are
 * ranked (the second only when it differs) and what either keeps is kept.
 */
function rulePools(rule: RetainRule, region: string, index: SourceIndex): LiveSnapshot[][] {
  const ofSource = index.get(sourceKeyOf(region, ruleSource(rule))) ?? [];
  const { matchTags } = rule;
  if (matchTags === undefined) return [[...ofSource]];
  const anyReading = ofSource.filter((s) => matchesTags(s.tags, matchTags));
  const unanimous = anyReading.filter((s) => matchesTagsUnanimously(s.tags, matchTags));
  return unanimous.length === anyReading.length ? [anyReading] : [anyReading, unanimous];
}

/** The newest N of completed (newest first), plus any tied with the Nth on createdAt. */
function keptByNewest(n: number, completed: readonly LiveSnapshot[]): readonly LiveSnapshot[] {
  if (completed.length <= n) return completed;
  const boundary = createdAtMs(completed[n - 1]!);
  let end = n;
  while (end < completed.length && createdAtMs(completed[end]!) >= boundary) end++;
  return completed.slice(0, end);
}

/** Adds what one rule keeps, with its reasons. */
export function keepByRule(
  rule: RetainRule,
  region: string,
  index: SourceIndex,
  nowMs: number,
  reasons: KeepReasons,
): void {
  for (const pool of rulePools(rule, region, index)) keepFromPool(rule, pool, nowMs, reasons);
}

function keepFromPool(
  rule: RetainRule,
  matching: readonly LiveSnapshot[],
  nowMs: number,
  reasons: KeepReasons,
): void {
  if (matching.length === 0) return;
  const completed = matching.filter((s) => s.state === "completed").sort(byNewest);
  if (rule.newest !== undefined) {
    const why = `newest ${rule.newest}`;
    for (const s of keptByNewest(rule.newest, completed)) addReason(reasons, s, why);
  }
  if (rule.maxAgeMs !== undefined) {
    const why = `maxAge ${formatDuration(rule.maxAgeMs)}`;
    for (const s of matching)
      if (nowMs - createdAtMs(s) <= rule.maxAgeMs) addReason(reasons, s, why);
  }
  if (rule.withinMs !== undefined && completed.length > 0) {
    const why = `within ${rule.withinText ?? formatDuration(rule.withinMs)}`;
    const from = createdAtMs(completed[0]!) - rule.withinMs;
    for (const s of completed) {
      if (createdAtMs(s) < from) break;
      addReason(reasons, s, why);
    }
  }
  if (rule.calendar !== undefined) {
    for (const k of keptByCalendar(rule.calendar, completed, createdAtMs)) {
      addReason(reasons, k.snapshot, k.reason);
    }
  }
}

/** Snapshots one rule keeps. */
export function keptByRule(
  rule: RetainRule,
  region: string,
  index: SourceIndex,
  nowMs: number,
): LiveSnapshot[] {
  const reasons: KeepReasons = new Map();
  keepByRule(rule, region, index, nowMs, reasons);
  return [...reasons.keys()];
}

/** Every snapshot that some retain rule of some set keeps, with every reason. */
export function keptByRetention(
  sets: readonly SnapshotSet[],
  inScope: readonly LiveSnapshot[],
  nowMs: number,
  reasons: KeepReasons = new Map(),
): KeepReasons {
  const index = indexBySource(inScope);
  for (const set of sets) {
    for (const rule of set.retain) keepByRule(rule, set.region, index, nowMs, reasons);
  }
  return reasons;
}
