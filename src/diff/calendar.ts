/**
 * Calendar retention with restic's semantics (`forget --keep-daily 7 …`), pure:
 * for each unit separately, walk a source's completed snapshots newest first;
 * a snapshot's bucket is the calendar period holding its createdAt in the
 * rule's time zone; the newest snapshot of each of the N most recent buckets
 * is kept. When fewer than N buckets hold a snapshot, the oldest snapshot is
 * kept as well (restic and borg do the same), so a young source does not lose
 * its first backup. Buckets are counted from the snapshots, never from "now":
 * a stalled backup job does not age everything out.
 *
 * Buckets are by local wall time, so the hour repeated when clocks go back is
 * one bucket. Weeks are ISO weeks (Monday to Sunday, the week-year of their
 * Thursday: 2026-12-31 is in 2026-W53, 2027-01-01 too).
 */
import type { CalendarSpec, CalendarUnit, LiveSnapshot } from "../core/model.js";
import { wallClockMs } from "./local-time.js";

export const UNITS: readonly CalendarUnit[] = ["hourly", "daily", "weekly", "monthly", "yearly"];

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A bucket's identity: a number, cheap to compare; its label is made only for kept snapshots. */
function bucketId(unit: CalendarUnit, wall: number): number {
  switch (unit) {
    case "hourly":
      return Math.floor(wall / HOUR_MS);
    case "daily":
      return Math.floor(wall / DAY_MS);
    case "weekly": {
      const { year, week } = isoWeek(wall);
      return year * 100 + week;
    }
    case "monthly": {
      const d = new Date(wall);
      return d.getUTCFullYear() * 12 + d.getUTCMonth();
    }
    case "yearly":
      return new Date(wall).getUTCFullYear();
  }
}

/** ISO 8601 week and week-year of a wall-clock instant. */
export function isoWeek(wall: number): { year: number; week: number } {
  const day = Math.floor(wall / DAY_MS);
  // 1970-01-01 was a Thursday: weekday 1 (Monday) … 7 (Sunday).
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  const thursday = day - weekday + 4;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = Math.floor(Date.UTC(year, 0, 1) / DAY_MS);
  return { year, week: Math.floor((thursday - jan1) / 7) + 1 };
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `2026-11-30T14`, `2026-11-30`, `2026-W48`, `2026-11`, `2026`. */
export function bucketLabel(unit: CalendarUnit, wall: number): string {
  const d = new Date(wall);
  const y = pad(d.getUTCFullYear(), 4);
  const m = pad(d.getUTCMonth() + 1);
  const day = pad(d.getUTCDate());
  switch (unit) {
    case "hourly":
      return `${y}-${m}-${day}T${pad(d.getUTCHours())}`;
    case "daily":
      return `${y}-${m}-${day}`;
    case "weekly": {
      const { year, week } = isoWeek(wall);
      return `${pad(year, 4)}-W${pad(week)}`;
    }
    case "monthly":
      return `${y}-${m}`;
    case "yearly":
      return y;
  }
}

export interface CalendarKeep {
  snapshot: LiveSnapshot;
  reason: string;
}

/**
 * What a calendar keeps of `completedNewestFirst` (one source's completed
 * snapshots, already filtered by the rule's tags and sorted newest first with
 * ties in name order), each with its reason (`daily 2026-11-30`, or
 * `oldest (daily 7 not filled)`).
 */
export function keptByCalendar(
  calendar: CalendarSpec,
  completedNewestFirst: readonly LiveSnapshot[],
  createdAtMs: (s: LiveSnapshot) => number,
): CalendarKeep[] {
  const out: CalendarKeep[] = [];
  const n = completedNewestFirst.length;
  if (n === 0) return out;
  const walls = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    walls[i] = wallClockMs(calendar.timezone, createdAtMs(completedNewestFirst[i]!));
  }
  for (const unit of UNITS) {
    const count = calendar[unit];
    if (count === undefined) continue;
    const limit = count === "all" ? Number.POSITIVE_INFINITY : count;
    const seen = new Set<number>();
    let keptOldest = false;
    for (let i = 0; i < n && seen.size < limit; i++) {
      const wall = walls[i]!;
      const id = bucketId(unit, wall);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        snapshot: completedNewestFirst[i]!,
        reason: `${unit} ${bucketLabel(unit, wall)}`,
      });
      if (i === n - 1) keptOldest = true;
    }
    if (count !== "all" && seen.size < count && !keptOldest) {
      out.push({
        snapshot: completedNewestFirst[n - 1]!,
        reason: `oldest (${unit} ${count} not filled)`,
      });
    }
  }
  return out;
}
