/**
 * Ownership: the snapshots snapgate may ever touch are those in the configured
 * regions whose tags match the scope (every key, compared as IAM compares
 * keys, and unanimously when a snapshot carries keys that differ only in case)
 * and whose name matches the optional pattern.
 */
import type { LiveSnapshot, ScopeSpec } from "./model.js";
import { compileNamePattern } from "./name-pattern.js";
import { matchesTagsUnanimously } from "./tags.js";

/** The ownership test: snapgate never touches a snapshot for which this is false. */
export function scopePredicate(
  scope: ScopeSpec,
  regions: readonly string[],
): (s: LiveSnapshot) => boolean {
  const pattern =
    scope.namePattern === undefined ? undefined : compileNamePattern(scope.namePattern);
  const regionSet = new Set(regions);
  return (s) =>
    regionSet.has(s.region) &&
    matchesTagsUnanimously(s.tags, scope.matchTags) &&
    (pattern === undefined || pattern.test(s.name));
}
