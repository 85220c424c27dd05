/**
 * `scope.namePattern`: a regular expression tested against snapshot names. It
 * comes from the repository, so any committer writes it, and it runs on every
 * live snapshot of every plan (and in `serve`): it is compiled by RE2 (re2js),
 * whose matching is linear in the name whatever the pattern, so no pattern can
 * hang a plan or the daemon. RE2 has no backreferences or lookaround; a
 * pattern that uses them is refused when the desired state is loaded.
 */
import { RE2JS } from "re2js";

export const MAX_NAME_PATTERN_LENGTH = 256;

/** A group that contains a quantifier and is itself quantified, e.g. `(a+)+`, `(\w*)*`, `(x{2,})+`. */
const NESTED_QUANTIFIER =
  /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/;

/** A compiled pattern: `test` finds a match anywhere in the name, like RegExp.prototype.test. */
export interface NamePattern {
  test(name: string): boolean;
}

/** Why the pattern is unusable, or null when it is fine. */
export function namePatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return "must not be empty (leave namePattern out to match every name)";
  if (pattern.length > MAX_NAME_PATTERN_LENGTH) {
    return `is ${pattern.length} characters long; the limit is ${MAX_NAME_PATTERN_LENGTH}`;
  }
  try {
    new RegExp(pattern);
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  // Refused although RE2 would run it in linear time: a pattern like this is almost always
  // a mistake, and the message says why.
  if (NESTED_QUANTIFIER.test(pattern)) {
    return "has a quantified group that contains a quantifier (like (a+)+), which can take exponential time";
  }
  try {
    RE2JS.compile(pattern);
  } catch (err) {
    return `is not supported by RE2, which snapgate matches names with (no backreferences or lookaround): ${(err as Error).message}`;
  }
  return null;
}

/** The matcher every stage uses for `scope.namePattern` (no flags). */
export function compileNamePattern(pattern: string): NamePattern {
  const re = RE2JS.compile(pattern);
  return { test: (name) => re.test(name) };
}
