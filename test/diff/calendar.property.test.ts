/**
 * The calendar rule against a deliberately simple reference: local time from
 * Intl's `longOffset` zone name per snapshot (no cache, no formatToParts
 * fields), ISO weeks by the textbook "nearest Thursday" Date arithmetic, and
 * buckets by grouping then sorting instead of one newest-first walk.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CalendarSpec, CalendarUnit, LiveSnapshot, RetainRule } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { desired, NOW, set, snap } from "../helpers/fleet.js";

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe",
  "America/St_Johns",
  "Asia/Kolkata",
];
const UNITS: CalendarUnit[] = ["hourly", "daily", "weekly", "monthly", "yearly"];
const SOURCES = [
  { kind: "disk", name: "web-data" },
  { kind: "disk", name: "db-data" },
  { kind: "instance", name: "web-1" },
] as const;

// Instants near the interesting edges: DST changes of each zone, leap days, ISO week 53 years.
const ANCHORS = [
  "2026-10-25T01:00:00Z", // Berlin falls back
  "2026-03-29T01:00:00Z", // Berlin springs forward
  "2026-11-01T06:00:00Z", // New York falls back
  "2026-04-04T15:00:00Z", // Lord Howe falls back half an hour
  "2026-10-03T15:30:00Z", // Lord Howe springs forward
  "2026-11-01T04:30:00Z", // St John's falls back an hour in the middle of a UTC hour
  "2024-02-29T12:00:00Z", // leap day
  "2020-12-31T22:00:00Z", // 2020-W53 into 2021
  "2026-12-31T23:00:00Z", // 2026-W53 into 2027
  "2015-12-31T12:00:00Z", // 2015-W53
].map((s) => Date.parse(s));

function offsetMs(timeZone: string, ms: number): number {
  const name =
    new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
      .formatToParts(new Date(ms))
      .find((p) => p.type === "timeZoneName")?.value ?? "GMT";
  const m = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new Error(`unexpected offset ${name}`);
  if (m[1] === undefined) return 0;
  const abs = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === "-" ? -abs : abs;
}

const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);

function referenceLabel(unit: CalendarUnit, timeZone: string, ms: number): string {
  const local = new Date(ms + offsetMs(timeZone, ms));
  const y = local.getUTCFullYear();
  const mo = local.getUTCMonth() + 1;
  const d = local.getUTCDate();
  if (unit === "hourly") return `${y}-${two(mo)}-${two(d)}T${two(local.getUTCHours())}`;
  if (unit === "daily") return `${y}-${two(mo)}-${two(d)}`;
  if (unit === "monthly") return `${y}-${two(mo)}`;
  if (unit === "yearly") return `${y}`;
  const t = new Date(Date.UTC(y, mo - 1, d));
  const dayNum = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dayNum);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${two(week)}`;
}

/** name → sorted reasons of what one rule keeps, by the reference method. */
function referenceKeeps(rule: RetainRule, fleet: LiveSnapshot[], out: Map<string, Set<string>>) {
  const add = (s: LiveSnapshot, why: string) => {
    const set = out.get(s.name) ?? new Set<string>();
    set.add(why);
    out.set(s.name, set);
  };
  const matching = fleet.filter(
    (s) =>
      s.state === "completed" &&
      (rule.fromDisk !== undefined
        ? s.fromDiskName === rule.fromDisk
        : s.fromDiskName === undefined && s.fromInstanceName === rule.fromInstance) &&
      Object.entries(rule.matchTags ?? {}).every(([k, v]) => s.tags[k] === v),
  );
  if (matching.length === 0) return;
  const ms = (s: LiveSnapshot) => Date.parse(s.createdAt);
  // "newer" means later createdAt, or the same instant and an earlier name
  const newer = (a: LiveSnapshot, b: LiveSnapshot) =>
    ms(a) > ms(b) || (ms(a) === ms(b) && a.name < b.name);
  if (rule.withinMs !== undefined) {
    const newestMs = Math.max(...matching.map(ms));
    for (const s of matching)
      if (ms(s) >= newestMs - rule.withinMs) add(s, `within ${rule.withinText}`);
  }
  const cal = rule.calendar;
  if (!cal) return;
  let oldest = matching[0]!;
  for (const s of matching) if (newer(oldest, s)) oldest = s;
  for (const unit of UNITS) {
    const count = cal[unit];
    if (count === undefined) continue;
    const groups = new Map<string, LiveSnapshot>();
    for (const s of matching) {
      const label = referenceLabel(unit, cal.timezone, ms(s));
      const best = groups.get(label);
      if (!best || newer(s, best)) groups.set(label, s);
    }
    const ranked = [...groups].sort(([, a], [, b]) => (newer(a, b) ? -1 : 1));
    const chosen = count === "all" ? ranked : ranked.slice(0, count);
    for (const [label, s] of chosen) add(s, `${unit} ${label}`);
    if (count !== "all" && ranked.length < count && !chosen.some(([, s]) => s === oldest)) {
      add(oldest, `oldest (${unit} ${count} not filled)`);
    }
  }
}

/** Minutes around an anchor: mostly within two hours of it, so the transition hours themselves get hit. */
const nearAnchor = fc.oneof(
  fc.integer({ min: -120, max: 120 }),
  fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
);

const instant = fc.oneof(
  fc.tuple(fc.constantFrom(...ANCHORS), nearAnchor).map(([a, minutes]) => a + minutes * 60_000),
  fc.integer({ min: Date.parse("2015-01-01T00:00:00Z"), max: Date.parse("2030-12-31T00:00:00Z") }),
);

const snapshotArb = fc.record({
  source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
  at: instant,
  state: fc.constantFrom("completed", "completed", "completed", "completed", "pending", "error"),
  gold: fc.boolean(),
});

const countArb = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant("all" as const));

const calendarArb: fc.Arbitrary<CalendarSpec> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    hourly: fc.option(countArb, { nil: undefined }),
    daily: fc.option(countArb, { nil: undefined }),
    weekly: fc.option(countArb, { nil: undefined }),
    monthly: fc.option(countArb, { nil: undefined }),
    yearly: fc.option(countArb, { nil: undefined }),
  })
  .map(
    (c) =>
      Object.fromEntries(
        Object.entries(c).filter(([, v]) => v !== undefined),
      ) as unknown as CalendarSpec,
  )
  .filter((c) => UNITS.some((u) => c[u] !== undefined));

const ruleArb: fc.Arbitrary<RetainRule> = fc
  .record({
    source: fc.integer({ min: 0, max: SOURCES.length - 1 }),
    calendar: fc.option(calendarArb, { nil: undefined }),
    withinHours: fc.option(fc.integer({ min: 1, max: 24 * 40 }), { nil: undefined }),
    gold: fc.boolean(),
  })
  .filter((r) => r.calendar !== undefined || r.withinHours !== undefined)
  .map((r) => {
    const source = SOURCES[r.source]!;
    return {
      ...(source.kind === "disk" ? { fromDisk: source.name } : { fromInstance: source.name }),
      ...(r.calendar && { calendar: r.calendar }),
      ...(r.withinHours !== undefined && {
        withinMs: r.withinHours * 3_600_000,
        withinText: `${r.withinHours}h`,
      }),
      ...(r.gold && { matchTags: { tier: "gold" } }),
    } as RetainRule;
  });

describe("calendar retention, property", () => {
  it("keeps exactly what the reference keeps, for the same reasons", () => {
    fc.assert(
      fc.property(
        fc.array(snapshotArb, { maxLength: 60 }),
        fc.array(ruleArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (specs, rules, duplicates) => {
          const fleet = specs.map((x, i) => {
            const source = SOURCES[x.source]!;
            return snap({
              name: `s-${String(i).padStart(3, "0")}`,
              createdAt: new Date(x.at).toISOString(),
              state: x.state,
              fromDiskName: source.kind === "disk" ? source.name : undefined,
              fromInstanceName: source.kind === "instance" ? source.name : undefined,
              tags: x.gold
                ? { "managed-by": "snapgate", tier: "gold" }
                : { "managed-by": "snapgate" },
            });
          });
          // snapshots taken at the same instant as another of the same source
          for (const [k, d] of duplicates.entries()) {
            const twin = fleet[d % Math.max(1, fleet.length)];
            if (twin)
              fleet.push({
                ...twin,
                name: `t-${String(k).padStart(3, "0")}`,
                arn: `${twin.arn.slice(0, -3)}${String(k).padStart(3, "0")}`,
              });
          }

          const result = diff(
            desired({}, [set({ retain: rules })]),
            { regions: ["us-east-1"], snapshots: fleet, disks: [] },
            NOW,
          );
          const actual: Record<string, string[]> = {};
          for (const s of result.desired)
            actual[s.name] = [...(result.keptReasons.get(s) ?? [])].sort();

          const expected = new Map<string, Set<string>>();
          for (const rule of rules) referenceKeeps(rule, fleet, expected);
          const want: Record<string, string[]> = {};
          for (const [name, reasons] of expected) want[name] = [...reasons].sort();

          expect(actual).toStrictEqual(want);
          expect(result.candidates.length + result.desired.length).toBe(fleet.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
