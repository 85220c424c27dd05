/**
 * Built-in guards: checks no policy can override. Each returns blocks per
 * candidate (by index); a failing plan-level guard blocks every candidate.
 */

import { arnAccount } from "../core/arn.js";
import type {
  Block,
  Candidate,
  LiveSnapshot,
  MissingSnapshot,
  ReconcilerSpec,
} from "../core/model.js";
import { createdAtMs } from "../core/order.js";
import { snapshotSourceKey } from "../core/source.js";
import { matchesTags } from "../core/tags.js";
import { isNearMiss } from "./near-miss.js";

export type BlocksByCandidate = Map<Candidate, Block[]>;

function describeTags(tags: Readonly<Record<string, string>>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

export function addBlock(blocks: BlocksByCandidate, c: Candidate, block: Block): void {
  const list = blocks.get(c);
  if (list) list.push(block);
  else blocks.set(c, [block]);
}

/** Protected snapshots are never deleted, whatever git or policy says. */
export function protectGuard(
  spec: ReconcilerSpec,
  candidates: readonly Candidate[],
  blocks: BlocksByCandidate,
) {
  const protect = spec.protect;
  if (!protect) return;
  for (const c of candidates) {
    if (matchesTags(c.snapshot.tags, protect.matchTags)) {
      addBlock(blocks, c, {
        kind: "protect",
        message: `protected: matches protect.matchTags (${describeTags(protect.matchTags)})`,
      });
    }
  }
}

/**
 * A typo in `keep` must not delete the snapshot it meant to keep: a candidate
 * whose name is a near miss (near-miss.ts) of a `keep` name that is not live
 * in its region is blocked, naming both.
 */
export function keepNearMissGuard(
  missing: readonly MissingSnapshot[],
  candidates: readonly Candidate[],
  blocks: BlocksByCandidate,
) {
  if (missing.length === 0) return;
  for (const c of candidates) {
    for (const m of missing) {
      if (m.region !== c.snapshot.region || !isNearMiss(m.name, c.snapshot.name)) continue;
      addBlock(blocks, c, {
        kind: "guard",
        message: `keep: ${JSON.stringify(m.name)} is not live; did you mean ${JSON.stringify(c.snapshot.name)}?`,
      });
    }
  }
}

/** Defence in depth: a candidate must be in scope and belong to the configured account. */
export function ownershipGuard(
  spec: ReconcilerSpec,
  candidates: readonly Candidate[],
  isInScope: (s: LiveSnapshot) => boolean,
  blocks: BlocksByCandidate,
) {
  for (const c of candidates) {
    if (!isInScope(c.snapshot)) {
      addBlock(blocks, c, {
        kind: "guard",
        message: "scope: snapshot is outside the reconciler's scope",
      });
    }
    const account = arnAccount(c.snapshot.arn);
    if (account !== spec.account) {
      addBlock(blocks, c, {
        kind: "guard",
        message: `account: ARN belongs to account ${account ?? "?"}, not ${spec.account}`,
      });
    }
  }
}

export interface PlanLevelCounts {
  inScope: number;
  desired: number;
  /** candidates that would be deleted if nothing else blocked them */
  deletable: number;
}

/** Plan-level guards: a failure blocks every candidate with the guard's message. */
export function planLevelGuards(spec: ReconcilerSpec, counts: PlanLevelCounts): Block[] {
  const { guards } = spec;
  const failures: Block[] = [];
  if (!guards.allowEmpty && counts.desired === 0 && counts.deletable > 0) {
    failures.push({
      kind: "guard",
      message: `allowEmpty: the desired set is empty, so every in-scope snapshot (${counts.inScope}) would be deleted; refusing (set guards.allowEmpty: true to allow)`,
      knob: "spec.guards.allowEmpty",
      limit: false,
    });
  }
  if (counts.deletable > guards.maxDeletions) {
    failures.push({
      kind: "guard",
      message: `maxDeletions: the plan would delete ${counts.deletable} snapshots, more than guards.maxDeletions (${guards.maxDeletions})`,
      knob: "spec.guards.maxDeletions",
      limit: guards.maxDeletions,
    });
  }
  const percent = counts.inScope === 0 ? 0 : (counts.deletable / counts.inScope) * 100;
  if (percent > guards.maxDeletionPercent) {
    failures.push({
      kind: "guard",
      message: `maxDeletionPercent: the plan would delete ${percent.toFixed(1)}% of in-scope snapshots (${counts.deletable}/${counts.inScope}), more than guards.maxDeletionPercent (${guards.maxDeletionPercent}%)`,
      knob: "spec.guards.maxDeletionPercent",
      limit: guards.maxDeletionPercent,
    });
  }
  return failures;
}

/** Group key for "the same source": region + disk or instance name (see diff/source.ts). */
export const sourceKey = snapshotSourceKey;

/**
 * Never leave a source disk with fewer than `minSnapshotsPerDisk` completed
 * snapshots: when deleting every deletable candidate of a disk would, the
 * newest of them are blocked until enough remain.
 */
export function minSnapshotsGuard(
  spec: ReconcilerSpec,
  live: readonly LiveSnapshot[],
  deletable: readonly Candidate[],
  blocks: BlocksByCandidate,
) {
  const min = spec.guards.minSnapshotsPerDisk;
  if (min <= 0) return;
  const deleting = new Set(deletable.map((c) => c.snapshot));
  const remaining = new Map<string, number>();
  for (const s of live) {
    const key = sourceKey(s);
    if (key === undefined || s.state !== "completed" || deleting.has(s)) continue;
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  }
  const byDisk = new Map<string, Candidate[]>();
  for (const c of deletable) {
    const key = sourceKey(c.snapshot);
    if (key === undefined) continue;
    const list = byDisk.get(key);
    if (list) list.push(c);
    else byDisk.set(key, [c]);
  }
  for (const [key, list] of byDisk) {
    const left = remaining.get(key) ?? 0;
    if (left >= min) continue;
    // Spare the newest completed candidates first: they are the best backups.
    const spare = list
      .filter((c) => c.snapshot.state === "completed")
      .sort(
        (a, b) =>
          createdAtMs(b.snapshot) - createdAtMs(a.snapshot) ||
          (a.snapshot.name < b.snapshot.name ? -1 : 1),
      )
      .slice(0, min - left);
    for (const c of spare) {
      addBlock(blocks, c, {
        kind: "guard",
        message: `minSnapshotsPerDisk: deleting it would leave ${c.snapshot.fromDiskName ?? c.snapshot.fromInstanceName} with fewer than ${min} completed snapshot(s) (${left} would remain)`,
        floor: "spec.guards.minSnapshotsPerDisk",
      });
    }
  }
}
