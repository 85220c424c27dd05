/**
 * The compliance findings that need a person, as one typed list: stale and
 * uncovered sources, snapshots deleted outside snapgate, and (informational)
 * warn-age and orphaned sources. Notifications and metrics read this list
 * rather than the report's layout.
 */
import type { SourceKind, StaleSourceFinding } from "../core/model.js";
import type { ComplianceReport } from "./compliance.js";
import type { FreshnessSection } from "./freshness.js";

export type FindingKind = "stale" | "none" | "warn" | "orphaned" | "deleted-outside";

interface FindingBase {
  kind: FindingKind;
  region: string;
  /** true when the finding makes the run non-compliant */
  failing: boolean;
  /** one line for people: what and since when */
  message: string;
}

export interface SourceFinding extends FindingBase {
  kind: "stale" | "none" | "warn" | "orphaned";
  sourceKind: SourceKind;
  source: string;
  /** age of the newest completed snapshot, in seconds; null when there is none */
  newestAgeSeconds: number | null;
}

export interface DeletionFinding extends FindingBase {
  kind: "deleted-outside";
  name: string;
  arn: string;
  lastSeen: string;
}

export type Finding = SourceFinding | DeletionFinding;

/** Failing findings first, then by region and name. */
export function complianceFindings(report: ComplianceReport): Finding[] {
  const out: Finding[] = [];
  for (const s of report.freshness?.sources ?? []) {
    if (s.status === "ok") continue;
    const newest = s.newest
      ? `newest completed snapshot ${s.newest.name} is ${formatSeconds(s.newest.ageSeconds)} old`
      : "no completed snapshot";
    const limit = s.status === "warn" ? `warnAge ${s.window.warnAge}` : `maxAge ${s.window.maxAge}`;
    out.push({
      kind: s.status,
      region: s.region,
      sourceKind: s.kind,
      source: s.source,
      newestAgeSeconds: s.newest?.ageSeconds ?? null,
      failing: s.status !== "warn",
      message: `${s.kind} ${s.region}/${s.source}: ${newest} (${limit})`,
    });
  }
  for (const o of report.freshness?.orphaned ?? []) {
    out.push({
      kind: "orphaned",
      region: o.region,
      sourceKind: o.kind,
      source: o.source,
      newestAgeSeconds: null,
      failing: false,
      message: `${o.kind} ${o.region}/${o.source} no longer exists; ${o.snapshots} in-scope snapshot(s) remain`,
    });
  }
  for (const d of report.deletedOutside) {
    out.push({
      kind: "deleted-outside",
      region: d.region,
      name: d.name,
      arn: d.arn,
      lastSeen: d.lastSeen,
      failing: true,
      message: `snapshot ${d.region}/${d.name} was deleted outside snapgate (last seen ${d.lastSeen} by ${d.lastSeenBy})`,
    });
  }
  const name = (f: Finding) => (f.kind === "deleted-outside" ? f.name : f.source);
  return out.sort(
    (a, b) =>
      Number(b.failing) - Number(a.failing) ||
      (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) ||
      (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0),
  );
}

/** `30h`, `2d 4h`, `45m`: ages as people read them. */
export function formatSeconds(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d >= 2) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (seconds >= 3600) return `${d * 24 + h}h${m > 0 ? ` ${m}m` : ""}`;
  return `${m}m`;
}

/** Each covered source as a notification describes it (the caller picks the alerting ones). */
export function sourceFindings(section: FreshnessSection | null | undefined): StaleSourceFinding[] {
  return (section?.sources ?? []).map((s) => ({
    region: s.region,
    kind: s.kind,
    name: s.source,
    status: s.status,
    ageSeconds: s.newest?.ageSeconds ?? null,
    newest: s.newest?.name ?? null,
    maxAgeSeconds: s.window.maxAgeSeconds,
  }));
}
