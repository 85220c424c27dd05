/**
 * Wall-clock time in an IANA zone, fast enough for 100,000 snapshots: Intl
 * gives the zone's UTC offset, cached per UTC hour (an offset is looked up
 * exactly whenever it differs at the hour's two ends, i.e. a transition falls
 * inside it); the calendar fields then come from plain UTC arithmetic.
 */

const HOUR_MS = 3_600_000;

interface ZoneCache {
  format: Intl.DateTimeFormat;
  /** UTC hour index → offset (ms) valid for the whole hour, or NaN when it changes inside it */
  hours: Map<number, number>;
}

const zones = new Map<string, ZoneCache>();
/** A long-running `serve` sees new hours forever: start over rather than grow without bound. */
const MAX_CACHED_HOURS = 250_000;

function zoneCache(timeZone: string): ZoneCache {
  let cache = zones.get(timeZone);
  if (!cache) {
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      era: "short",
    });
    cache = { format, hours: new Map() };
    zones.set(timeZone, cache);
  }
  return cache;
}

/** Offset of `timeZone` from UTC at `ms` (whole seconds), straight from Intl. */
function exactOffset(format: Intl.DateTimeFormat, ms: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of format.formatToParts(ms)) {
    switch (part.type) {
      case "year":
        year = Number(part.value);
        break;
      case "month":
        month = Number(part.value);
        break;
      case "day":
        day = Number(part.value);
        break;
      case "hour":
        hour = Number(part.value);
        break;
      case "minute":
        minute = Number(part.value);
        break;
      case "second":
        second = Number(part.value);
        break;
      case "era":
        bc = part.value.startsWith("B");
        break;
    }
  }
  const wall = new Date(0);
  wall.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
  wall.setUTCHours(hour, minute, second, 0);
  const secondStart = Math.floor(ms / 1000) * 1000;
  return wall.getTime() - secondStart;
}

/** Offset (ms) of the zone from UTC at the instant `ms`. */
export function zoneOffset(timeZone: string, ms: number): number {
  const cache = zoneCache(timeZone);
  const hour = Math.floor(ms / HOUR_MS);
  let offset = cache.hours.get(hour);
  if (offset === undefined) {
    const start = exactOffset(cache.format, hour * HOUR_MS);
    const end = exactOffset(cache.format, hour * HOUR_MS + HOUR_MS - 1);
    offset = start === end ? start : Number.NaN;
    if (cache.hours.size >= MAX_CACHED_HOURS) cache.hours.clear();
    cache.hours.set(hour, offset);
  }
  return Number.isNaN(offset) ? exactOffset(cache.format, ms) : offset;
}

/** The local wall time of `ms` in `timeZone`, as a UTC timestamp of the same wall reading. */
export function wallClockMs(timeZone: string, ms: number): number {
  return ms + zoneOffset(timeZone, ms);
}
