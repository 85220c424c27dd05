/**
 * IAM wildcard matching: `*` matches any run of characters (colons and
 * slashes included), `?` exactly one. Everything else is literal — no regex,
 * so a pattern can never be misread as one, and the cost is linear-ish with
 * no compile cache to keep.
 */

export function matchesWildcard(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  let pi = 0;
  let vi = 0;
  // Where the last `*` was seen, and which value position it is currently absorbing up to.
  let starPi = -1;
  let starVi = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === "*") {
      starPi = pi++;
      starVi = vi;
    } else if (pc !== undefined && (pc === "?" || pc === v[vi])) {
      pi++;
      vi++;
    } else if (starPi >= 0) {
      // Backtrack: let the last `*` swallow one more character.
      pi = starPi + 1;
      vi = ++starVi;
    } else {
      return false;
    }
  }
  while (p[pi] === "*") pi++;
  return pi === p.length;
}
