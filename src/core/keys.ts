/**
 * Identity keys, built one way each: a snapshot is `region/name` (names are
 * unique per region in Lightsail, and `/` cannot occur in either), which is
 * also how plans, journals and reports name it.
 */

/** `us-east-1/web-data-2026-11-01`: a snapshot, or a plan entry, journal item or missing name. */
export function snapshotKey(x: { region: string; name: string }): string {
  return `${x.region}/${x.name}`;
}
