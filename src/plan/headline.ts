/**
 * The plan's one-line verdict, the same in text, markdown and JSON: what the plan
 * deletes and, when anything is blocked or missing, why and what to change. "No
 * deletions: live state matches the desired state." only when that is true.
 */
import type { Block, Plan } from "../core/model.js";

export const IN_SYNC = "No deletions: live state matches the desired state.";

/** What to change when a plan-level block of this setting fires. */
const HINTS: Readonly<Record<string, string>> = {
  "spec.guards.maxDeletions": "raise spec.guards.maxDeletions or split the change",
  "spec.guards.maxDeletionPercent": "raise spec.guards.maxDeletionPercent or split the change",
  "spec.guards.allowEmpty":
    "declare the snapshots to keep, or set spec.guards.allowEmpty: true if deleting every in-scope snapshot is intended",
};

const POLICY_HINT = "split the change, or change the policy or its spec.policy.data";

/** "maxDeletions (500)", "maxDeletionPercent (25%)", "allowEmpty", or the policy's own words. */
export function planLevelLabel(b: Block): string {
  if (b.knob === undefined) return `the policy (${b.message.replace(/^plan:\s*/, "")})`;
  const name = b.knob.replace(/^spec\.guards\./, "");
  if (typeof b.limit !== "number") return name;
  return `${name} (${b.limit}${name === "maxDeletionPercent" ? "%" : ""})`;
}

export function planLevelHint(b: Block): string {
  return (b.knob !== undefined ? HINTS[b.knob] : undefined) ?? POLICY_HINT;
}

type HeadlinePlan = Pick<Plan, "summary" | "blocked" | "planLevel">;

export function planHeadline(plan: HeadlinePlan): string {
  const s = plan.summary;
  if (s.deletions === 0 && s.blocked === 0 && s.missing === 0) return IN_SYNC;
  const parts = [`${s.deletions} to delete`];
  const planLevel = plan.planLevel ?? [];
  if (s.blocked > 0 && planLevel.length > 0) {
    const hints = [...new Set(planLevel.map(planLevelHint))];
    parts.push(
      `${s.blocked} blocked by ${planLevel.map(planLevelLabel).join(" and ")} — ${hints.join("; ")}`,
    );
  } else if (s.blocked > 0) {
    parts.push(`${s.blocked} blocked (${blockedByKind(plan)}) — see the reasons under each`);
  }
  if (s.missing > 0) {
    parts.push(
      `${s.missing} keep ${s.missing === 1 ? "name is" : "names are"} not live — correct or remove ${s.missing === 1 ? "it" : "them"} in keep`,
    );
  }
  return parts.join("; ");
}

/** "2 by policy, 1 held by a safety floor": each blocked snapshot counted once per kind. */
function blockedByKind(plan: HeadlinePlan): string {
  const counts = new Map<string, number>();
  for (const b of plan.blocked) {
    const floorsOnly = b.blockedBy.length > 0 && b.blockedBy.every((x) => x.floor !== undefined);
    const kinds = floorsOnly
      ? ["held by a safety floor"]
      : [...new Set(b.blockedBy.map((x) => `by ${x.kind}`))];
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}
