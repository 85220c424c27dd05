import type { Plan } from "../core/model.js";
import type { AuditAppender, AuditEventType } from "./log.js";

/** A plan event and one decision per candidate (approved or blocked), in one flushed write. */
export async function recordPlan(
  audit: AuditAppender,
  plan: Plan,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const base = { planDigest: plan.digest, commit: plan.source.commit };
  const events: { type: AuditEventType; fields: Record<string, unknown> }[] = [
    {
      type: "plan",
      fields: {
        ...extra,
        ...base,
        repo: plan.source.repo,
        ref: plan.source.ref,
        base: plan.source.base,
        account: plan.account,
        regions: plan.regions,
        policyDigest: plan.policy.digest,
        summary: plan.summary,
        // listed once here; each blocked decision below leaves them out
        ...(plan.planLevel?.length ? { planLevel: plan.planLevel } : {}),
      },
    },
    ...plan.deletions.map((d) => ({
      type: "decision" as const,
      fields: {
        ...base,
        region: d.region,
        name: d.name,
        arn: d.arn,
        verdict: "approved",
        reason: d.reason,
        warnings: d.warnings,
      },
    })),
    ...plan.blocked.map((b) => ({
      type: "decision" as const,
      fields: {
        ...base,
        region: b.region,
        name: b.name,
        verdict: "blocked",
        reason: b.reason,
        blockedBy: b.blockedBy,
      },
    })),
  ];
  await audit.appendMany(events);
}
