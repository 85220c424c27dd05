/**
 * snapgate's one tag-matching rule, used by scope, protect, retain and the
 * access rules alike: every key of `match` must be on the resource, with the
 * same value — or with any value when the rule says "*". Keys and values are
 * compared exactly (Lightsail tags are case-sensitive). An empty `match`
 * matches everything.
 */
import type { Tags } from "../core/model.js";

/** The value in a rule meaning "the key is present, whatever its value". */
export const ANY_VALUE = "*";

export function matchesTags(tags: Tags, match: Tags): boolean {
  for (const [key, want] of Object.entries(match)) {
    if (!Object.hasOwn(tags, key)) return false;
    if (want !== ANY_VALUE && tags[key] !== want) return false;
  }
  return true;
}

/** `team=storage, legal-hold=*` — a rule as people write it; `(any)` for an empty one. */
export function describeTagMatch(match: Tags): string {
  const parts = Object.entries(match).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(", ") : "(any)";
}
