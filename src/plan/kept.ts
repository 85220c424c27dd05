/**
 * The plan's `kept` list summarised for people: how many snapshots each kind
 * of reason keeps. A calendar reason counts under its unit (`daily`), every
 * other reason under its own text (`newest 7`, `oldest (daily 7 not filled)`).
 */
import type { PlanKept } from "../core/model.js";

const BUCKET_REASON = /^(hourly|daily|weekly|monthly|yearly) \d/;

export function reasonKind(reason: string): string {
  const match = BUCKET_REASON.exec(reason);
  return match ? (match[1] as string) : reason;
}

/** [kind, snapshots] in the order kinds first appear in the list. */
export function countByReason(kept: readonly PlanKept[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const k of kept) {
    const kinds = new Set(k.reasons.map(reasonKind));
    for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts];
}
