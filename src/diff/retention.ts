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
 * - a rule keeps what any of its parts keeps.
 */
import type { LiveSnapshot, RetainRule, SnapshotSet } from "../core/model.js";
import { formatDuration } from "../desired/duration.js";
import { matchesTags } from "../gate/match-tags.js";
import { keptByCalendar } from "./calendar.js";
import { ruleSource, snapshotSourceKey, sourceKeyOf } from "./source.js";

/** Parsed creation times, memoised: sorting 100k snapshots would otherwise parse millions of dates. */
const parsedCreatedAt = new WeakMap<LiveSnapshot, number>();

export function createdAtMs(s: LiveSnapshot): number {
  let ms = parsedCreatedAt.get(s);
  if (ms === undefined) {
    ms = Date.parse(s.createdAt);
    parsedCreatedAt.set(s, ms);
  }
  return ms;
}

/** Newest first; ties broken by name so the order is total and stable. */
export function byNewest(a: LiveSnapshot, b: LiveSnapshot): number {
  return createdAtMs(b) - createdAtMs(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

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

function ruleCandidates(rule: RetainRule, region: string, index: SourceIndex) {
  const ofSource = index.get(sourceKeyOf(region, ruleSource(rule))) ?? [];
  return rule.matchTags ? ofSource.filter((s) => matchesTags(s.tags, rule.matchTags!)) : ofSource;
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
  const matching = ruleCandidates(rule, region, index);
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
