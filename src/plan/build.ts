/**
 * Turns gate decisions into the plan document. Pure: the same
 * inputs, including `nowMs`, give a byte-identical plan.
 */

import { fingerprint } from "../core/fingerprint.js";
import { snapshotKey } from "../core/keys.js";
import type {
  Block,
  Decision,
  DiffResult,
  Inventory,
  Plan,
  PlanBlocked,
  PlanDeletion,
  PlanKept,
  PlanSource,
} from "../core/model.js";
import { byRegionAndName } from "../core/order.js";
import { withDigest } from "./digest.js";
import { planHeadline } from "./headline.js";

export { PLAN_FORMAT_VERSION } from "../core/plan-format.js";

import { PLAN_FORMAT_VERSION } from "../core/plan-format.js";

export interface PlanParts {
  source: PlanSource;
  account: string;
  regions: readonly string[];
  policy: { bundle: string; digest: string };
  inventory: Inventory;
  diff: DiffResult;
  decisions: readonly Decision[];
  /** blocks of the whole plan (the gate's planLevel): listed once, left out of each entry */
  planLevel?: readonly Block[];
  nowMs: number;
  /** PR mode: "region/name" of the deletions (approved or blocked) that already followed from base */
  onBase?: ReadonlySet<string>;
}

export function buildPlan(parts: PlanParts): Plan {
  const deletions: PlanDeletion[] = [];
  const blocked: PlanBlocked[] = [];
  const planLevel = parts.planLevel ?? [];
  const isPlanLevel = (b: Block) =>
    planLevel.some((p) => p.kind === b.kind && p.message === b.message);
  const onBase = (x: { region: string; name: string }) =>
    parts.onBase === undefined ? {} : { onBase: parts.onBase.has(snapshotKey(x)) };

  for (const d of parts.decisions) {
    const s = d.candidate.snapshot;
    if (d.blockedBy.length === 0) {
      deletions.push({
        region: s.region,
        name: s.name,
        arn: s.arn,
        fromDisk: s.fromDiskName ?? null,
        createdAt: s.createdAt,
        sizeInGb: s.sizeInGb,
        tags: s.tags,
        fingerprint: fingerprint(s),
        reason: d.candidate.reason,
        warnings: [...d.warnings].sort(),
        ...onBase(s),
      });
    } else {
      blocked.push({
        region: s.region,
        name: s.name,
        reason: d.candidate.reason,
        blockedBy: d.blockedBy.filter((b) => !isPlanLevel(b)),
        arn: s.arn,
        fromDisk: s.fromDiskName ?? null,
        createdAt: s.createdAt,
        sizeInGb: s.sizeInGb,
        warnings: [...d.warnings].sort(),
        ...onBase(s),
      });
    }
  }

  const summary = {
    live: parts.inventory.snapshots.length,
    inScope: parts.diff.inScope.length,
    desired: parts.diff.desired.length,
    deletions: deletions.length,
    blocked: blocked.length,
    missing: parts.diff.missing.length,
  };
  const shownPlanLevel = blocked.length > 0 ? [...planLevel] : [];
  return withDigest({
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: new Date(parts.nowMs).toISOString(),
    source: parts.source,
    account: parts.account,
    regions: [...parts.regions],
    policy: parts.policy,
    summary,
    headline: planHeadline({ summary, blocked, planLevel: shownPlanLevel }),
    deletions,
    blocked,
    planLevel: shownPlanLevel,
    missing: [...parts.diff.missing],
    kept: keptList(parts.diff),
  });
}

/** Every desired snapshot with its reasons, by region and name. */
function keptList(diff: DiffResult): PlanKept[] {
  return diff.desired
    .map((s) => ({ region: s.region, name: s.name, reasons: [...(diff.keptReasons.get(s) ?? [])] }))
    .sort(byRegionAndName);
}

/** Serialised plan file: stable key order, two-space indent, trailing newline. */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
