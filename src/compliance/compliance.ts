/**
 * The compliance report of `snapgate audit`: every live
 * snapshot put into exactly one class, plus missing declared snapshots and
 * policy warnings. Pure: the same plan, inventory, diff, desired state and
 * `nowMs` give the same report. It never decides anything itself — it reads
 * the verdicts the diff and the plan already made, and fails closed: an
 * in-scope snapshot the plan forgot to account for is reported as blocked.
 */

import { type InventoryHistory, NO_HISTORY } from "../core/inventory-seen.js";
import type {
  Block,
  DesiredState,
  DiffResult,
  Inventory,
  LiveSnapshot,
  Plan,
  Tags,
} from "../core/model.js";
import { byRegionAndName } from "../core/order.js";
import { describeTagMatch, matchesTagsUnanimously } from "../core/tags.js";
import { type DeletedOutside, findDeletedOutside } from "./deleted-outside.js";
import { buildFreshness, type FreshnessSection, freshnessFailures } from "./freshness.js";
import {
  desiredReportReasons,
  type KeptUnit,
  keepReasonsLookup,
  keptUnit,
} from "./kept-reasons.js";

/** 2: adds `freshness`, `deletedOutside` and each snapshot's `fromInstance` (docs/report-schema.md). */
export const REPORT_SCHEMA_VERSION = 2 as const;

export const SNAPSHOT_CLASSES = [
  "desired",
  "would-delete",
  "blocked",
  "held",
  "protected",
  "out-of-scope",
] as const;

export type SnapshotClass = (typeof SNAPSHOT_CLASSES)[number];

export type ClassCounts = Record<SnapshotClass, number>;

/** Why a snapshot is in its class: a gate block kind, or what kept or excluded it. */
export interface ReportReason {
  /** a safety floor holds the snapshot: the setting (or `policy`) that does */
  floor?: string;
  kind:
    | "keep"
    | "retain"
    | "drift"
    | "guard"
    | "policy"
    | "access"
    | "protect"
    | "scope"
    | "region";
  message: string;
}

export interface ReportSnapshot {
  region: string;
  name: string;
  arn: string;
  fromDisk: string | null;
  /** the instance whose system disk it copies (Lightsail names no disk then); null otherwise */
  fromInstance: string | null;
  createdAt: string;
  sizeInGb: number;
  state: string;
  tags: Tags;
  class: SnapshotClass;
  reasons: ReportReason[];
  /** policy warnings for this snapshot (deletion candidates only) */
  warnings: string[];
  /** why the desired state keeps it (`keep`, `newest 7`, `daily 2026-11-30`, …); empty unless desired */
  keepReasons: string[];
  /** the unit the timeline colours a kept snapshot by; null unless desired */
  keptBy: KeptUnit | null;
}

export interface ReportMissing {
  region: string;
  name: string;
}

export interface ReportWarning {
  region: string;
  name: string;
  message: string;
}

export interface RegionSummary {
  region: string;
  configured: boolean;
  classes: ClassCounts;
  missing: number;
}

export interface DiskSummary {
  region: string;
  /** null for snapshots whose source disk Lightsail does not name */
  disk: string | null;
  /** for an instance's snapshots (disk null): the instance; null otherwise */
  instance: string | null;
  classes: ClassCounts;
}

export interface ReportSummary {
  live: number;
  inScope: number;
  classes: ClassCounts;
  missing: number;
  warnings: number;
  byRegion: RegionSummary[];
  byDisk: DiskSummary[];
}

export interface ComplianceReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  /**
   * no would-delete, no blocked, no missing, no stale or uncovered (`none`) source and
   * no snapshot deleted outside snapgate (held, protected, out-of-scope, warn and orphaned
   * are fine)
   */
  compliant: boolean;
  source: { repo: string; ref: string; commit: string };
  account: string;
  regions: string[];
  policy: { bundle: string; digest: string };
  planDigest: string;
  summary: ReportSummary;
  /** sorted by region, then name */
  snapshots: ReportSnapshot[];
  missing: ReportMissing[];
  warnings: ReportWarning[];
  /** null when the desired state declares no freshness */
  freshness: FreshnessSection | null;
  /** in-scope snapshots an earlier run saw that are gone without a delete-result of snapgate's */
  deletedOutside: DeletedOutside[];
}

export interface ComplianceInput {
  plan: Plan;
  inventory: Inventory;
  diff: DiffResult;
  desired: DesiredState;
  nowMs: number;
  /** what earlier audits and plans saw (from the audit log); none: nothing is compared */
  history?: InventoryHistory;
}

export function emptyClassCounts(): ClassCounts {
  return {
    desired: 0,
    "would-delete": 0,
    blocked: 0,
    held: 0,
    protected: 0,
    "out-of-scope": 0,
  };
}

const key = (x: { region: string; name: string }) => `${x.region}\u0000${x.name}`;

export function buildComplianceReport(input: ComplianceInput): ComplianceReport {
  const { plan, inventory, diff, desired } = input;
  const configured = new Set(desired.spec.regions);
  const inScope = new Set(diff.inScope.map(key));
  const desiredKeys = new Set(diff.desired.map(key));
  const keepKeys = new Set(
    desired.sets.flatMap((set) => set.keep.map((name) => key({ region: set.region, name }))),
  );
  const approved = new Map(plan.deletions.map((d) => [key(d), d]));
  const blocked = new Map(plan.blocked.map((b) => [key(b), b]));
  const candidateReason = new Map(diff.candidates.map((c) => [key(c.snapshot), c.reason]));
  const keepReasons = keepReasonsLookup(plan, diff);
  // plan-level blocks are listed once in the plan; each blocked snapshot has them too
  const planLevel = plan.planLevel ?? [];

  const classify = (s: LiveSnapshot): Pick<ReportSnapshot, "class" | "reasons" | "warnings"> => {
    const k = key(s);
    if (!configured.has(s.region)) {
      return {
        class: "out-of-scope",
        reasons: [{ kind: "region", message: "region not configured" }],
        warnings: [],
      };
    }
    if (!inScope.has(k)) {
      return {
        class: "out-of-scope",
        reasons: [{ kind: "scope", message: scopeMiss(desired, s) }],
        warnings: [],
      };
    }
    if (desiredKeys.has(k)) {
      const reasons = desiredReportReasons(keepReasons(s), keepKeys.has(k));
      return { class: "desired", reasons, warnings: [] };
    }
    const deletion = approved.get(k);
    if (deletion !== undefined) {
      return {
        class: "would-delete",
        reasons: [{ kind: "drift", message: driftMessage(deletion.reason) }],
        warnings: [...deletion.warnings],
      };
    }
    const block = blocked.get(k);
    if (block !== undefined) return classifyBlocked([...block.blockedBy, ...planLevel], block);
    // In scope, not desired, yet absent from the plan: never report that as fine.
    const why = candidateReason.get(k);
    return {
      class: "blocked",
      reasons: [
        { kind: "guard", message: `not accounted for by the plan${why ? ` (${why})` : ""}` },
      ],
      warnings: [],
    };
  };

  const snapshots: ReportSnapshot[] = [...inventory.snapshots].sort(byRegionAndName).map((s) => ({
    region: s.region,
    name: s.name,
    arn: s.arn,
    fromDisk: s.fromDiskName ?? null,
    fromInstance: s.fromDiskName === undefined ? (s.fromInstanceName ?? null) : null,
    createdAt: s.createdAt,
    sizeInGb: s.sizeInGb,
    state: s.state,
    tags: s.tags,
    ...classify(s),
    ...keptFields(desiredKeys.has(key(s)) ? keepReasons(s) : []),
  }));

  const missing = [...plan.missing]
    .map((m) => ({ region: m.region, name: m.name }))
    .sort(byRegionAndName);
  const warnings: ReportWarning[] = [
    ...plan.deletions.flatMap((d) =>
      d.warnings.map((message) => ({ region: d.region, name: d.name, message })),
    ),
    ...plan.blocked.flatMap((b) =>
      (b.warnings ?? []).map((message) => ({ region: b.region, name: b.name, message })),
    ),
  ].sort(
    (a, b) => byRegionAndName(a, b) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );

  const summary = summarise(snapshots, missing, warnings.length, [...configured]);
  const freshness = buildFreshness(desired, inventory, diff, input.nowMs);
  const deletedOutside = findDeletedOutside(input.history ?? NO_HISTORY, inventory);
  const { repo, ref, commit } = plan.source;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date(input.nowMs).toISOString(),
    compliant:
      summary.classes["would-delete"] === 0 &&
      summary.classes.blocked === 0 &&
      missing.length === 0 &&
      freshnessFailures(freshness) === 0 &&
      deletedOutside.length === 0,
    source: { repo, ref, commit },
    account: plan.account,
    regions: [...plan.regions],
    policy: { bundle: plan.policy.bundle, digest: plan.policy.digest },
    planDigest: plan.digest,
    summary,
    snapshots,
    missing,
    warnings,
    freshness,
    deletedOutside,
  };
}

function keptFields(reasons: readonly string[]): Pick<ReportSnapshot, "keepReasons" | "keptBy"> {
  return { keepReasons: [...reasons], keptBy: keptUnit(reasons) };
}

/**
 * A blocked candidate's class. Protected: held on purpose (e.g. legal hold), whatever else
 * blocks it. Held: every block is a safety floor (a per-source minimum, the last copy of a
 * deleted source): spared by design, so not a violation. Anything else: blocked.
 */
function classifyBlocked(
  blocks: readonly Block[],
  entry: { warnings?: readonly string[] },
): Pick<ReportSnapshot, "class" | "reasons" | "warnings"> {
  const isProtected = blocks.some((b) => b.kind === "protect");
  const isHeld = blocks.length > 0 && blocks.every((b) => b.floor !== undefined);
  return {
    class: isProtected ? "protected" : isHeld ? "held" : "blocked",
    reasons: blocks.map(toReason),
    warnings: [...(entry.warnings ?? [])],
  };
}

function toReason(b: Block): ReportReason {
  return b.floor === undefined
    ? { kind: b.kind, message: b.message }
    : { kind: b.kind, message: b.message, floor: b.floor };
}

function driftMessage(reason: string): string {
  return reason === "outside-retention"
    ? "outside-retention: no longer kept by its disk's retain rules"
    : "not-declared: not named in keep nor kept by any retain rule";
}

/** Which part of `scope` a snapshot in a configured region fails. */
function scopeMiss(desired: DesiredState, s: LiveSnapshot): string {
  const { scope } = desired.spec;
  if (!matchesTagsUnanimously(s.tags, scope.matchTags)) {
    return `does not match scope.matchTags (${describeTagMatch(scope.matchTags)})`;
  }
  if (scope.namePattern !== undefined)
    return `name does not match scope.namePattern (${scope.namePattern})`;
  return "not in scope";
}

function summarise(
  snapshots: readonly ReportSnapshot[],
  missing: readonly ReportMissing[],
  warnings: number,
  configuredRegions: readonly string[],
): ReportSummary {
  const classes = emptyClassCounts();
  const regions = new Map<string, RegionSummary>();
  const disks = new Map<string, DiskSummary>();
  const configured = new Set(configuredRegions);
  const region = (name: string) => {
    let r = regions.get(name);
    if (!r) {
      r = {
        region: name,
        configured: configured.has(name),
        classes: emptyClassCounts(),
        missing: 0,
      };
      regions.set(name, r);
    }
    return r;
  };
  for (const name of configuredRegions) region(name);
  for (const s of snapshots) {
    classes[s.class]++;
    region(s.region).classes[s.class]++;
    // a disk and an instance are both a source: one row each, never merged by name
    const dk = `${s.region}\u0000${s.fromDisk ?? ""}\u0000${s.fromInstance ?? ""}`;
    let d = disks.get(dk);
    if (!d) {
      const instance = s.fromInstance;
      d = { region: s.region, disk: s.fromDisk, instance, classes: emptyClassCounts() };
      disks.set(dk, d);
    }
    d.classes[s.class]++;
  }
  for (const m of missing) region(m.region).missing++;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    live: snapshots.length,
    inScope: snapshots.length - classes["out-of-scope"],
    classes,
    missing: missing.length,
    warnings,
    byRegion: [...regions.values()].sort((a, b) => byName(a.region, b.region)),
    byDisk: [...disks.values()].sort(
      (a, b) =>
        byName(a.region, b.region) ||
        byName(a.disk ?? "", b.disk ?? "") ||
        byName(a.instance ?? "", b.instance ?? ""),
    ),
  };
}
