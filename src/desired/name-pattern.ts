/**
 * `scope.namePattern`: a JavaScript regular expression tested against snapshot
 * names. It decides what snapgate may delete, so it is checked up front: it
 * must compile, stay short, and avoid the nested quantifiers (`(a+)+`) that
 * make backtracking exponential.
 */

export const MAX_NAME_PATTERN_LENGTH = 256;

/** A group that contains a quantifier and is itself quantified, e.g. `(a+)+`, `(\w*)*`, `(x{2,})+`. */
const NESTED_QUANTIFIER =
  /\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,?\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,?\d*\})/;

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
  if (NESTED_QUANTIFIER.test(pattern)) {
    return "has a quantified group that contains a quantifier (like (a+)+), which can take exponential time";
  }
  return null;
}

/** The RegExp every stage must use for `scope.namePattern` (no flags). */
export function compileNamePattern(pattern: string): RegExp {
  return new RegExp(pattern);
}
