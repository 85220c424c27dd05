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
import { DAY_MS, type RetainModel, type Tags, type WorldModel } from "./model.js";

/**
 * Tag keys are the same key whatever their case (IAM's rule); values are
 * exact. A snapshot may hold several keys that are one key that way (`env`,
 * `ENV`): a rule that blocks (protect, deny) matches when one of them has the
 * value, a rule that permits deletion (scope, allow) only when all do, and
 * retention keeps what either reading keeps.
 */
function valuesUnder(tags: Tags, key: string): string[] {
  const wanted = key.toUpperCase();
  return Object.keys(tags)
    .filter((k) => k.toUpperCase() === wanted)
    .map((k) => tags[k] as string);
}

/** Blocking reading: every key of `match` has some same-key tag with that value ("*": any). */
export function tagsMatch(tags: Tags, match: Tags): boolean {
  return Object.entries(match).every(([k, v]) =>
    valuesUnder(tags, k).some((have) => v === "*" || have === v),
  );
}

/** Permitting reading: every key of `match` is present, and all its same-key tags have the value. */
export function tagsMatchAll(tags: Tags, match: Tags): boolean {
  return Object.entries(match).every(([k, v]) => {
    const values = valuesUnder(tags, k);
    return values.length > 0 && values.every((have) => v === "*" || have === v);
  });
}

/** A keep name's typo: equal ignoring case and - _ . , or few edits away (2 from 8 characters on, else 1). */
export function looksLike(keepName: string, name: string): boolean {
  if (keepName === name) return false;
  const plain = (x: string) => x.toLowerCase().split(/[-_.]/).join("");
  if (plain(keepName) === plain(name)) return true;
  return osaDistance(keepName.toLowerCase(), name.toLowerCase()) <= (keepName.length >= 8 ? 2 : 1);
}

/** Edit distance with adjacent swaps, as a full table. */
function osaDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const options = [
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      ];
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        options.push(d[i - 2]![j - 2]! + 1);
      d[i]![j] = Math.min(...options);
    }
  return d[a.length]![b.length]!;
}

export const keyOf = (s: { region: string; name: string }) => `${s.region}/${s.name}`;

export interface Reference {
  inScope: Set<string>;
  desired: Set<string>;
  /** in scope and not desired: what the plan must list, approved or blocked */
  candidates: Set<string>;
  protected: Set<string>;
  accessDenied: Set<string>;
  /** candidates whose name looks like a keep name of their region that is not live */
  nearMiss: Set<string>;
  /** candidates that are not protected, not a near miss, and pass the access rules */
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
      tagsMatchAll(s.tags, scope.matchTags) &&
      (!pattern || pattern.test(s.name)),
    isProtected: (s: EmulatorSnapshot) => protect !== undefined && tagsMatch(s.tags, protect),
    accessAllowed: (s: EmulatorSnapshot) =>
      (allow.length === 0 || allow.some((m) => tagsMatchAll(s.tags, m))) &&
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
  /** What one retain rule keeps of a pool: the newest N completed (ties kept), and anything within maxAge. */
  const keepFrom = (pool: EmulatorSnapshot[], rule: RetainModel) => {
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
  };
  for (const set of model.sets) {
    for (const name of set.keep) {
      if (scoped.some((s) => s.region === set.region && s.name === name))
        desired.add(`${set.region}/${name}`);
    }
    for (const rule of set.retain) {
      const ofDisk = scoped.filter(
        (s) => s.region === set.region && s.fromDiskName === rule.fromDisk,
      );
      // both readings of same-key tags: retention keeps what either keeps
      keepFrom(
        ofDisk.filter((s) => tagsMatch(s.tags, rule.matchTags ?? {})),
        rule,
      );
      keepFrom(
        ofDisk.filter((s) => tagsMatchAll(s.tags, rule.matchTags ?? {})),
        rule,
      );
    }
  }

  const result: Reference = {
    inScope: new Set(scoped.map(keyOf)),
    desired,
    candidates: new Set(),
    protected: new Set(),
    accessDenied: new Set(),
    nearMiss: new Set(),
    mayDelete: new Set(),
  };
  const notLive = model.sets.flatMap((set) =>
    set.keep
      .filter((name) => !live.some((s) => s.region === set.region && s.name === name))
      .map((name) => ({ region: set.region, name })),
  );
  for (const s of scoped) {
    const key = keyOf(s);
    if (desired.has(key)) continue;
    result.candidates.add(key);
    const guarded = isProtected(s);
    const allowed = accessAllowed(s);
    const typo = notLive.some((m) => m.region === s.region && looksLike(m.name, s.name));
    if (guarded) result.protected.add(key);
    if (!allowed) result.accessDenied.add(key);
    if (typo) result.nearMiss.add(key);
    if (!guarded && allowed && !typo) result.mayDelete.add(key);
  }
  return result;
}
