/**
 * A small, deliberately plain reference of SPEC §3, written from the spec and
 * not from src/diff or src/gate: which live snapshots are in scope, desired,
 * protected and access-allowed, hence which ones snapgate may legally delete.
 *
 * Two documented refinements of "the N most recent" (the design's choices,
 * both erring towards keeping more): `newest` ranks only completed snapshots
 * and keeps every snapshot tied with the N-th on createdAt; `maxAge` keeps a
 * snapshot exactly maxAge old. Retention ranks in-scope snapshots only.
 */
import type { EmulatorSnapshot } from "../../src/emulator/index.js";
import { DAY_MS, type Tags, type WorldModel } from "./model.js";

/** Every key of `match` is on the snapshot, with that value or any value for "*". */
export function tagsMatch(tags: Tags, match: Tags): boolean {
  return Object.entries(match).every(
    ([k, v]) => Object.hasOwn(tags, k) && (v === "*" || tags[k] === v),
  );
}

export const keyOf = (s: { region: string; name: string }) => `${s.region}/${s.name}`;

export interface Reference {
  inScope: Set<string>;
  desired: Set<string>;
  /** in scope and not desired: what the plan must list, approved or blocked */
  candidates: Set<string>;
  protected: Set<string>;
  accessDenied: Set<string>;
  /** candidates that are not protected and pass the access rules */
  mayDelete: Set<string>;
}

/** Scope, protect and access as predicates on one live snapshot (usable on any later view of it). */
export function predicates(model: WorldModel) {
  const { scope, protect, allow, deny } = model.reconciler;
  const configured = new Set(model.regions.filter((r) => r.configured).map((r) => r.region));
  const pattern = scope.namePattern === undefined ? undefined : new RegExp(scope.namePattern);
  return {
    inScope: (s: EmulatorSnapshot) =>
      configured.has(s.region) &&
      tagsMatch(s.tags, scope.matchTags) &&
      (!pattern || pattern.test(s.name)),
    isProtected: (s: EmulatorSnapshot) => protect !== undefined && tagsMatch(s.tags, protect),
    accessAllowed: (s: EmulatorSnapshot) =>
      (allow.length === 0 || allow.some((m) => tagsMatch(s.tags, m))) &&
      !deny.some((m) => tagsMatch(s.tags, m)),
  };
}

export function reference(
  model: WorldModel,
  live: readonly EmulatorSnapshot[],
  nowMs: number,
): Reference {
  const { inScope, isProtected, accessAllowed } = predicates(model);
  const scoped = live.filter(inScope);

  const desired = new Set<string>();
  for (const set of model.sets) {
    for (const name of set.keep) {
      if (scoped.some((s) => s.region === set.region && s.name === name))
        desired.add(`${set.region}/${name}`);
    }
    for (const rule of set.retain) {
      const pool = scoped.filter(
        (s) =>
          s.region === set.region &&
          s.fromDiskName === rule.fromDisk &&
          tagsMatch(s.tags, rule.matchTags ?? {}),
      );
      if (rule.newest !== undefined) {
        const completed = pool
          .filter((s) => s.state === "completed")
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        const nth = completed[rule.newest - 1];
        for (const s of completed)
          if (!nth || s.createdAt.getTime() >= nth.createdAt.getTime()) desired.add(keyOf(s));
      }
      if (rule.maxAgeDays !== undefined) {
        for (const s of pool)
          if (nowMs - s.createdAt.getTime() <= rule.maxAgeDays * DAY_MS) desired.add(keyOf(s));
      }
    }
  }

  const result: Reference = {
    inScope: new Set(scoped.map(keyOf)),
    desired,
    candidates: new Set(),
    protected: new Set(),
    accessDenied: new Set(),
    mayDelete: new Set(),
  };
  for (const s of scoped) {
    const key = keyOf(s);
    if (desired.has(key)) continue;
    result.candidates.add(key);
    const guarded = isProtected(s);
    const allowed = accessAllowed(s);
    if (guarded) result.protected.add(key);
    if (!allowed) result.accessDenied.add(key);
    if (!guarded && allowed) result.mayDelete.add(key);
  }
  return result;
}
