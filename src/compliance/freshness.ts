/**
 * Freshness and coverage: for every covered source (a live disk or instance
 * that spec.freshness.sources selects by tags, or that a SnapshotSet with its
 * own freshness names), its newest completed in-scope snapshot, how old it is,
 * and a status:
 *
 *   ok     the newest completed snapshot is younger than warnAge (or maxAge)
 *   warn   older than warnAge, still within maxAge: reported, does not fail
 *   stale  older than maxAge: the run is not compliant
 *   none   no completed snapshot at all: the run is not compliant
 *
 * Snapshots in `error` state are listed per source; they never count as a
 * backup. A source with in-scope snapshots but no live disk or instance is
 * `orphaned`: reported, not a failure (the guards keep its last copies).
 * Gaps: consecutive completed snapshots (and the newest one and now) further
 * apart than the source's maxAge, i.e. times when the source was stale.
 * Pure: the same inputs and `nowMs` give the same section.
 */
import type {
  DesiredState,
  DiffResult,
  FreshnessOverride,
  Inventory,
  LiveSnapshot,
  SnapshotSource,
  SourceKind,
  Tags,
} from "../core/model.js";
import { createdAtMs } from "../core/order.js";
import { ruleSource, snapshotSource, sourceKeyOf } from "../core/source.js";
import { matchesTagsUnanimously } from "../core/tags.js";

export const FRESHNESS_STATUSES = ["ok", "warn", "stale", "none"] as const;
export type FreshnessStatus = (typeof FRESHNESS_STATUSES)[number];

export interface FreshnessWindow {
  maxAge: string;
  maxAgeSeconds: number;
  warnAge: string | null;
  warnAgeSeconds: number | null;
  /** where the window is declared: `spec.freshness` or `SnapshotSet <name>` */
  declaredBy: string;
}

export interface SnapshotRef {
  name: string;
  createdAt: string;
}

export interface FreshnessGap {
  /** the older snapshot's createdAt */
  from: string;
  /** the newer snapshot's createdAt, or the report's time for the gap up to now */
  to: string;
  seconds: number;
}

export interface SourceFreshness {
  region: string;
  kind: SourceKind;
  source: string;
  /** the live disk's or instance's ARN */
  arn: string;
  tags: Tags;
  status: FreshnessStatus;
  window: FreshnessWindow;
  /** newest completed in-scope snapshot, with its age at the report's time */
  newest: (SnapshotRef & { ageSeconds: number }) | null;
  /** in-scope snapshots of this source, any state */
  snapshots: number;
  completed: number;
  /** in-scope snapshots of this source in `error` state */
  errors: SnapshotRef[];
  gaps: FreshnessGap[];
}

export interface OrphanedSource {
  region: string;
  kind: SourceKind;
  source: string;
  snapshots: number;
  newest: SnapshotRef | null;
}

export interface FreshnessSection {
  window: FreshnessWindow | null;
  sources: SourceFreshness[];
  orphaned: OrphanedSource[];
  counts: Record<FreshnessStatus | "orphaned" | "errors", number>;
}

interface LiveSource {
  region: string;
  kind: SourceKind;
  name: string;
  arn: string;
  tags: Tags;
}

/** True when the desired state asks for any freshness check at all. */
export function freshnessDeclared(desired: DesiredState): boolean {
  return desired.spec.freshness !== undefined || desired.sets.some((s) => s.freshness);
}

export function buildFreshness(
  desired: DesiredState,
  inventory: Inventory,
  diff: DiffResult,
  nowMs: number,
): FreshnessSection | null {
  if (!freshnessDeclared(desired)) return null;
  const spec = desired.spec.freshness;
  const base = spec ? windowOf(spec, "spec.freshness") : null;
  const overrides = setOverrides(desired);
  const configured = new Set(desired.spec.regions);

  const live: LiveSource[] = [
    ...inventory.disks.map((d) => ({ ...d, kind: "disk" as const })),
    ...(inventory.instances ?? []).map((i) => ({ ...i, kind: "instance" as const })),
  ].filter((s) => configured.has(s.region));
  const liveKeys = new Set(live.map((s) => sourceKeyOf(s.region, s)));

  const bySource = new Map<string, LiveSnapshot[]>();
  for (const snap of diff.inScope) {
    const src = snapshotSource(snap);
    if (src === undefined) continue;
    const k = sourceKeyOf(snap.region, src);
    const list = bySource.get(k);
    if (list) list.push(snap);
    else bySource.set(k, [snap]);
  }

  const sources: SourceFreshness[] = [];
  for (const s of live) {
    const k = sourceKeyOf(s.region, s);
    const override = overrides.get(k);
    const match = s.kind === "disk" ? spec?.sources.disks : spec?.sources.instances;
    const covered =
      override !== undefined ||
      (match !== undefined && matchesTagsUnanimously(s.tags, match.matchTags));
    const window = override ?? base;
    if (!covered || window === null) continue;
    sources.push(sourceFreshness(s, window, bySource.get(k) ?? [], nowMs));
  }
  sources.sort(bySourceOrder);

  const orphaned: OrphanedSource[] = [];
  for (const [k, snaps] of bySource) {
    if (liveKeys.has(k)) continue;
    const first = snaps[0]!;
    const src = snapshotSource(first) as SnapshotSource;
    // Without a listing of instances, a missing instance cannot be told from an unlisted one.
    if (src.kind === "instance" && inventory.instances === undefined) continue;
    const newest = newestCompleted(snaps);
    orphaned.push({
      region: first.region,
      kind: src.kind,
      source: src.name,
      snapshots: snaps.length,
      newest: newest ? { name: newest.name, createdAt: newest.createdAt } : null,
    });
  }
  orphaned.sort(bySourceOrder);

  const counts = { ok: 0, warn: 0, stale: 0, none: 0, orphaned: orphaned.length, errors: 0 };
  for (const s of sources) {
    counts[s.status]++;
    counts.errors += s.errors.length;
  }
  return { window: base, sources, orphaned, counts };
}

/** A stale source or one without any completed snapshot makes the run non-compliant. */
export function freshnessFailures(section: FreshnessSection | null): number {
  return section === null ? 0 : section.counts.stale + section.counts.none;
}

function sourceFreshness(
  s: LiveSource,
  window: FreshnessWindow,
  snaps: readonly LiveSnapshot[],
  nowMs: number,
): SourceFreshness {
  const completed = snaps
    .filter((x) => x.state === "completed")
    .sort((a, b) => createdAtMs(a) - createdAtMs(b) || (a.name < b.name ? -1 : 1));
  const newest = completed[completed.length - 1];
  const ageSeconds = newest ? Math.max(0, Math.floor((nowMs - createdAtMs(newest)) / 1000)) : 0;
  const status: FreshnessStatus =
    newest === undefined
      ? "none"
      : ageSeconds > window.maxAgeSeconds
        ? "stale"
        : window.warnAgeSeconds !== null && ageSeconds > window.warnAgeSeconds
          ? "warn"
          : "ok";
  return {
    region: s.region,
    kind: s.kind,
    source: s.name,
    arn: s.arn,
    tags: s.tags,
    status,
    window,
    newest: newest ? { name: newest.name, createdAt: newest.createdAt, ageSeconds } : null,
    snapshots: snaps.length,
    completed: completed.length,
    errors: snaps
      .filter((x) => x.state === "error")
      .map((x) => ({ name: x.name, createdAt: x.createdAt }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    gaps: gapsOf(completed, window.maxAgeSeconds, nowMs),
  };
}

function gapsOf(
  completed: readonly LiveSnapshot[],
  maxAgeSeconds: number,
  nowMs: number,
): FreshnessGap[] {
  const gaps: FreshnessGap[] = [];
  const points = [...completed.map((s) => ({ at: s.createdAt, ms: createdAtMs(s) }))];
  if (points.length > 0) points.push({ at: new Date(nowMs).toISOString(), ms: nowMs });
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const seconds = Math.floor((b.ms - a.ms) / 1000);
    if (seconds > maxAgeSeconds) gaps.push({ from: a.at, to: b.at, seconds });
  }
  return gaps;
}

function newestCompleted(snaps: readonly LiveSnapshot[]): LiveSnapshot | undefined {
  let best: LiveSnapshot | undefined;
  for (const s of snaps) {
    if (s.state !== "completed") continue;
    if (!best || createdAtMs(s) > createdAtMs(best)) best = s;
  }
  return best;
}

function windowOf(
  f: { maxAgeMs: number; maxAgeText: string; warnAgeMs?: number; warnAgeText?: string },
  declaredBy: string,
): FreshnessWindow {
  return {
    maxAge: f.maxAgeText,
    maxAgeSeconds: Math.floor(f.maxAgeMs / 1000),
    warnAge: f.warnAgeText ?? null,
    warnAgeSeconds: f.warnAgeMs === undefined ? null : Math.floor(f.warnAgeMs / 1000),
    declaredBy,
  };
}

/** Per source, the window of the SnapshotSets naming it; the strictest when several do. */
function setOverrides(desired: DesiredState): Map<string, FreshnessWindow> {
  const out = new Map<string, FreshnessWindow>();
  for (const set of desired.sets) {
    const f: FreshnessOverride | undefined = set.freshness;
    if (f === undefined) continue;
    const window = windowOf(f, `SnapshotSet ${set.name}`);
    for (const rule of set.retain) {
      const k = sourceKeyOf(set.region, ruleSource(rule));
      const earlier = out.get(k);
      if (earlier === undefined || window.maxAgeSeconds < earlier.maxAgeSeconds) out.set(k, window);
    }
  }
  return out;
}

function bySourceOrder(
  a: { region: string; kind: string; source: string },
  b: { region: string; kind: string; source: string },
): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.region, b.region) || cmp(a.kind, b.kind) || cmp(a.source, b.source);
}
