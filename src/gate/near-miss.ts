/**
 * Is a `keep` name that is not live a typo of a live snapshot's name? Two
 * names are a near miss when they are equal once case and the separators
 * `-`, `_`, `.` are ignored (`Media_Before.CDN` / `media-before-cdn`), or
 * when they differ by a few single-character edits (insert, delete,
 * substitute, swap two neighbours: Damerau-Levenshtein, case ignored) — at
 * most 2 for a keep name of 8 characters or more, at most 1 for a shorter
 * one, where 2 edits would already pair unrelated names like `db-1`/`db-23`.
 */

const SEPARATORS = /[-_.]/g;

/** The name as a person would read it: case and separators ignored. */
export function foldName(name: string): string {
  return name.replace(SEPARATORS, "").toLowerCase();
}

/** The most edits at which `candidate` still counts as what `keepName` meant. */
export function nearMissBudget(keepName: string): number {
  return keepName.length >= 8 ? 2 : 1;
}

export function isNearMiss(keepName: string, candidate: string): boolean {
  if (keepName === candidate) return false;
  if (foldName(keepName) === foldName(candidate)) return true;
  const budget = nearMissBudget(keepName);
  if (Math.abs(keepName.length - candidate.length) > budget) return false;
  return editDistance(keepName.toLowerCase(), candidate.toLowerCase(), budget) <= budget;
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: an adjacent swap is
 * one edit), or `limit + 1` as soon as it must exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  const n = b.length;
  let beforePrev: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (beforePrev[j - 2] as number) + 1);
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    beforePrev = prev;
    prev = row;
  }
  const distance = prev[n] as number;
  return distance > limit ? limit + 1 : distance;
}
