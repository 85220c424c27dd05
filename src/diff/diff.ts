/**
 * Desired vs live, a pure function:
 *   in scope   = live snapshots in the configured regions that match `scope`
 *   desired    = in-scope snapshots named in `keep` or kept by a `retain` rule,
 *                each with its reasons (`keep`, `newest 7`, `daily 2026-11-30`, …)
 *   candidates = in scope − desired (protected ones are still listed: the gate
 *                blocks them with kind "protect" so the user sees why)
 *   missing    = `keep` names that are not live
 */
import type {
  Candidate,
  DesiredState,
  DiffResult,
  Inventory,
  LiveSnapshot,
  MissingSnapshot,
} from "../core/model.js";
import { byRegionAndName } from "../core/order.js";
import { scopePredicate } from "../core/scope.js";
import { ruleSource, snapshotSourceKey, sourceKeyOf } from "../core/source.js";
import { type KeepReasons, keptByRetention } from "./retention.js";

function liveKey(region: string, name: string): string {
  return `${region}\u0000${name}`;
}

export function diff(desired: DesiredState, inventory: Inventory, nowMs: number): DiffResult {
  const { spec, sets } = desired;
  const scoped = inventory.snapshots.filter(scopePredicate(spec.scope, spec.regions));

  const keepNames = new Set<string>();
  for (const set of sets) for (const name of set.keep) keepNames.add(liveKey(set.region, name));

  const reasons: KeepReasons = new Map();
  for (const s of scoped) if (keepNames.has(liveKey(s.region, s.name))) reasons.set(s, ["keep"]);
  keptByRetention(sets, scoped, nowMs, reasons);

  const desiredList: LiveSnapshot[] = [];
  const candidates: Candidate[] = [];
  const retainedSources = new Set<string>();
  for (const set of sets)
    for (const rule of set.retain) retainedSources.add(sourceKeyOf(set.region, ruleSource(rule)));

  for (const s of scoped) {
    if (reasons.has(s)) {
      desiredList.push(s);
      continue;
    }
    // A snapshot of a source that some retain rule governs fell out of retention;
    // anything else was simply never declared.
    const key = snapshotSourceKey(s);
    const governed = key !== undefined && retainedSources.has(key);
    candidates.push({ snapshot: s, reason: governed ? "outside-retention" : "not-declared" });
  }

  const live = new Set(inventory.snapshots.map((s) => liveKey(s.region, s.name)));
  const missing: MissingSnapshot[] = [];
  for (const set of sets) {
    for (const name of set.keep) {
      if (!live.has(liveKey(set.region, name))) missing.push({ region: set.region, name });
    }
  }

  return {
    inScope: scoped,
    desired: desiredList,
    keptReasons: reasons,
    candidates: candidates.sort(byRegionName),
    missing: missing.sort(byRegionAndName),
  };
}

function byRegionName(a: Candidate, b: Candidate): number {
  return byRegionAndName(a.snapshot, b.snapshot);
}
