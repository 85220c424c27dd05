/**
 * The orders every stage agrees on: by region then name (code units, stable
 * across locales), and newest first with ties broken by name.
 */
import type { LiveSnapshot } from "./model.js";

/** Order by region, then name (code units: stable across locales). */
export function byRegionAndName(
  a: { region: string; name: string },
  b: { region: string; name: string },
): number {
  return a.region < b.region
    ? -1
    : a.region > b.region
      ? 1
      : a.name < b.name
        ? -1
        : a.name > b.name
          ? 1
          : 0;
}

/** Parsed creation times, memoised: sorting 100k snapshots would otherwise parse millions of dates. */
const parsedCreatedAt = new WeakMap<LiveSnapshot, number>();

/**
 * Records a snapshot's creation time already known as a number (the listing has it as a Date),
 * so that no stage parses its ISO string again.
 */
export function rememberCreatedAtMs(s: LiveSnapshot, ms: number): void {
  parsedCreatedAt.set(s, ms);
}

export function createdAtMs(s: LiveSnapshot): number {
  let ms = parsedCreatedAt.get(s);
  if (ms === undefined) {
    ms = Date.parse(s.createdAt);
    parsedCreatedAt.set(s, ms);
  }
  return ms;
}

/** Newest first; ties broken by name so the order is total and stable. */
export function byNewest(a: LiveSnapshot, b: LiveSnapshot): number {
  return createdAtMs(b) - createdAtMs(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
