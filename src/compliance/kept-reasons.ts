/**
 * Why each desired snapshot of a compliance report stays: the plan's keep reasons
 * (`keep`, `newest 7`, `daily 2026-11-30`, …) per snapshot, and the one unit the HTML
 * timeline colours a kept snapshot by.
 */
import type { DiffResult, LiveSnapshot, Plan } from "../core/model.js";

/** What colours a kept snapshot, most telling first. */
export const KEPT_UNITS = [
  "yearly",
  "monthly",
  "weekly",
  "daily",
  "hourly",
  "keep",
  "rule",
] as const;

export type KeptUnit = (typeof KEPT_UNITS)[number];

export const KEPT_UNIT_LABELS: Readonly<Record<KeptUnit, string>> = {
  yearly: "yearly",
  monthly: "monthly",
  weekly: "weekly",
  daily: "daily",
  hourly: "hourly",
  keep: "named in keep",
  rule: "newest, maxAge, within or oldest",
};

const CALENDAR_REASON = /^(hourly|daily|weekly|monthly|yearly) \d/;

/**
 * The coarsest calendar unit among the reasons (a monthly that is also a daily shows as
 * monthly: it is the one that outlives the others), else `keep`, else `rule`; null for none.
 */
export function keptUnit(reasons: readonly string[]): KeptUnit | null {
  if (reasons.length === 0) return null;
  const units = new Set<string>();
  for (const r of reasons) {
    const m = CALENDAR_REASON.exec(r);
    units.add(m ? (m[1] as string) : r === "keep" ? "keep" : "rule");
  }
  return KEPT_UNITS.find((u) => units.has(u)) ?? "rule";
}

/** The keep reasons of a live snapshot: the plan's `kept` list, else (older plans) the diff's. */
export function keepReasonsLookup(
  plan: Plan,
  diff: DiffResult,
): (s: LiveSnapshot) => readonly string[] {
  if (plan.kept === undefined) return (s) => diff.keptReasons.get(s) ?? [];
  const byKey = new Map(plan.kept.map((k) => [`${k.region}\u0000${k.name}`, k.reasons]));
  return (s) => byKey.get(`${s.region}\u0000${s.name}`) ?? [];
}

/** A desired snapshot's report reasons: one per keep reason (`keep`, or a retain rule's part). */
export function desiredReportReasons(
  reasons: readonly string[],
  namedInKeep: boolean,
): { kind: "keep" | "retain"; message: string }[] {
  if (reasons.length === 0) {
    return [
      namedInKeep
        ? { kind: "keep", message: "named in keep" }
        : { kind: "retain", message: "kept by a retain rule" },
    ];
  }
  return reasons.map((r) =>
    r === "keep" ? { kind: "keep", message: "named in keep" } : { kind: "retain", message: r },
  );
}
