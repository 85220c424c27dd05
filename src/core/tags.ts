/**
 * snapgate's one tag-matching rule, used by scope, protect, retain and the
 * access rules alike: every key of `match` must be on the resource, with the
 * same value — or with any value when the rule says "*". An empty `match`
 * matches everything.
 *
 * Keys compare case-insensitively, because IAM looks `aws:ResourceTag/<key>`
 * up that way and snapgate must not approve what its role would refuse, nor
 * miss a `Legal-Hold` tag under `protect: {legal-hold: "*"}`. Values compare
 * exactly, as IAM's StringEquals does.
 *
 * Lightsail tag keys are case-sensitive, so one snapshot can carry `env` and
 * `Env` at once. Which of them a rule key reads depends on what a match does,
 * and each reading errs towards keeping the snapshot:
 * - `matchesTags` (protect, access deny — a match blocks): the key matches
 *   when ANY tag folding to it has the value (IAM's reading);
 * - `matchesTagsUnanimously` (scope, access allow — a match permits deletion):
 *   every tag folding to the key must have the value, so `env=dev` + `Env=prod`
 *   is not `env: dev`. It is never looser than IAM;
 * - retain `matchTags` selects what `newest: N` ranks, where neither reading
 *   keeps more, so retention keeps what either keeps (src/diff/retention.ts).
 */
import type { Tags } from "./model.js";

/** The value in a rule meaning "the key is present, whatever its value". */
export const ANY_VALUE = "*";

/** The form in which two tag keys are the same key. */
export function foldTagKey(key: string): string {
  return key.toLowerCase();
}

/** For rules whose match keeps or blocks a snapshot: any tag with the key may carry the value. */
export function matchesTags(tags: Tags, match: Tags): boolean {
  return matchesWith(tags, match, false);
}

/** For rules whose match permits a deletion: every tag with the key must carry the value. */
export function matchesTagsUnanimously(tags: Tags, match: Tags): boolean {
  return matchesWith(tags, match, true);
}

function matchesWith(tags: Tags, match: Tags, unanimous: boolean): boolean {
  const keys = Object.keys(tags);
  for (const [ruleKey, want] of Object.entries(match)) {
    const folded = foldTagKey(ruleKey);
    let hit = false;
    let miss = false;
    for (const key of keys) {
      if (foldTagKey(key) !== folded) continue;
      if (want === ANY_VALUE || tags[key] === want) hit = true;
      else miss = true;
    }
    if (!hit || (unanimous && miss)) return false;
  }
  return true;
}

/** `team=storage, legal-hold=*` — a rule as people write it; `(any)` for an empty one. */
export function describeTagMatch(match: Tags): string {
  const parts = Object.entries(match).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(", ") : "(any)";
}
