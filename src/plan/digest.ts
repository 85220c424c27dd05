import { digestOf } from "../core/canonical-json.js";
import type { Plan } from "../core/model.js";

/** The plan digest covers the canonical JSON of everything but `digest` itself. */
export function planDigest(plan: Omit<Plan, "digest"> | Plan): string {
  const { digest: _ignored, ...rest } = plan as Plan;
  return digestOf(rest);
}

export function withDigest(plan: Omit<Plan, "digest">): Plan {
  return { ...plan, digest: planDigest(plan) };
}
