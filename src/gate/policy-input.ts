/**
 * Builds the policy input for each candidate: the snapshot with its
 * age, its source (disk or instance), its siblings and the plan. Sibling facts are computed
 * once per plan, not per candidate.
 */
import type {
  Candidate,
  GuardSpec,
  Inventory,
  LiveDisk,
  LiveSnapshot,
  PolicyInput,
} from "../core/model.js";
import { byNewest, createdAtMs } from "../core/order.js";
import { snapshotSource } from "../core/source.js";
import { sourceKey } from "./guards.js";

const DAY_MS = 86_400_000;

export interface PlanFacts {
  /** candidates not already blocked by protect or guards */
  deletions: number;
  inScope: number;
  commit: string;
  nowMs: number;
  /** spec.guards: handed to the policy so that it enforces the same limits */
  guards: GuardSpec;
}

export type PolicyInputBuilder = (c: Candidate) => PolicyInput;

export function policyInputBuilder(
  inventory: Inventory,
  planned: ReadonlySet<LiveSnapshot>,
  facts: PlanFacts,
): PolicyInputBuilder {
  const siblings = new Map<string, LiveSnapshot[]>();
  for (const s of inventory.snapshots) {
    const key = sourceKey(s);
    if (key === undefined) continue;
    const list = siblings.get(key);
    if (list) list.push(s);
    else siblings.set(key, [s]);
  }
  const stats = new Map<
    string,
    { total: number; remainingAfterPlan: number; newest: string | null }
  >();
  for (const [key, list] of siblings) {
    const newest = [...list].sort(byNewest)[0]?.name ?? null;
    const remainingAfterPlan = list.filter(
      (s) => s.state === "completed" && !planned.has(s),
    ).length;
    stats.set(key, { total: list.length, remainingAfterPlan, newest });
  }
  const disks = new Map<string, LiveDisk>();
  for (const d of inventory.disks) disks.set(`${d.region}\u0000${d.name}`, d);
  const now = new Date(facts.nowMs).toISOString();
  const { maxDeletions, maxDeletionPercent, minSnapshotsPerDisk } = facts.guards;
  const guards = { maxDeletions, maxDeletionPercent, minSnapshotsPerDisk };

  return (c) => {
    const s = c.snapshot;
    const key = sourceKey(s);
    const sib = (key && stats.get(key)) || { total: 1, remainingAfterPlan: 0, newest: s.name };
    const disk =
      s.fromDiskName === undefined ? undefined : disks.get(`${s.region}\u0000${s.fromDiskName}`);
    return {
      snapshot: {
        name: s.name,
        arn: s.arn,
        region: s.region,
        supportCode: s.supportCode,
        createdAt: s.createdAt,
        sizeInGb: s.sizeInGb,
        state: s.state,
        progress: s.progress,
        fromDiskName: s.fromDiskName,
        fromDiskArn: s.fromDiskArn,
        fromInstanceName: s.fromInstanceName,
        isFromAutoSnapshot: s.isFromAutoSnapshot,
        tags: s.tags,
        ageDays: Math.floor(((facts.nowMs - createdAtMs(s)) / DAY_MS) * 1000) / 1000,
        reason: c.reason,
        // a candidate is by definition kept by nothing; the field lets a policy say so explicitly
        keepReasons: [],
      },
      source: snapshotSource(s) ?? null,
      disk: disk
        ? {
            name: disk.name,
            arn: disk.arn,
            sizeInGb: disk.sizeInGb,
            state: disk.state,
            tags: disk.tags,
          }
        : null,
      siblings: sib,
      plan: { deletions: facts.deletions, inScope: facts.inScope, commit: facts.commit },
      guards,
      now,
    };
  };
}
