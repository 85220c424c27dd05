/** Counts of what the property exercised, printed at the end so the figures can be reported. */
import type { Observation } from "./world.js";

export class SafetyStats {
  cases = 0;
  approved = 0;
  blocked = 0;
  deleted = 0;
  mutations = 0;
  scriptedFaults = 0;
  failedOperations = 0;
  lostResponses = 0;
  injectedErrors = 0;
  throttled = 0;
  applyErrors = 0;
  /** live snapshots whose tag keys are not all lower-case (`Legal-Hold`, `ENV`) */
  mixedCaseTagged = 0;
  readonly outcomes: Record<string, number> = {};
  readonly blockKinds: Record<string, number> = {};

  add(obs: Observation): void {
    this.cases++;
    this.approved += obs.plan.deletions.length;
    this.blocked += obs.plan.blocked.length;
    for (const b of obs.plan.blocked)
      for (const k of new Set(b.blockedBy.map((x) => blockLabel(x))))
        this.blockKinds[k] = (this.blockKinds[k] ?? 0) + 1;
    this.deleted += obs.deleted.length;
    this.mixedCaseTagged += obs.beforePlan.filter((s) =>
      Object.keys(s.tags).some((k) => k !== k.toLowerCase()),
    ).length;
    this.mutations += obs.armed.mutations.length + obs.armed.duringApply.length;
    this.scriptedFaults += obs.armed.scripted.length;
    this.failedOperations += obs.armed.failDeleteOps.length;
    this.lostResponses += obs.armed.lostResponses.length;
    this.injectedErrors += obs.calls.filter((c) => c.outcome === "ServiceException").length;
    this.throttled += obs.calls.filter((c) => c.outcome === "ThrottlingException").length;
    if (obs.applyError) this.applyErrors++;
    for (const i of obs.result?.items ?? [])
      this.outcomes[i.outcome] = (this.outcomes[i.outcome] ?? 0) + 1;
  }

  summary(): string {
    return [
      `safety property: ${this.cases} generated cases`,
      `  fleet: ${this.mixedCaseTagged} snapshots with mixed-case tag keys`,
      `  plan: ${this.approved} approved, ${this.blocked} blocked (by kind: ${JSON.stringify(this.blockKinds)})`,
      `  apply: ${this.deleted} deleted; outcomes ${JSON.stringify(this.outcomes)}; ${this.applyErrors} applies refused/errored`,
      `  faults: ${this.mutations} plan→apply mutations, ${this.scriptedFaults} scripted delete errors, ${this.failedOperations} failed operations, ${this.lostResponses} lost responses, ${this.injectedErrors} ServiceExceptions and ${this.throttled} throttles answered`,
    ].join("\n");
  }
}

/** "guard:maxDeletions", "policy:younger", "access", "protect": enough to see which checks fired. */
function blockLabel(b: { kind: string; message: string }): string {
  if (b.kind === "guard") return `guard:${b.message.split(":")[0]}`;
  if (b.kind === "policy") {
    const m =
      /(younger|state is|would leave|last remaining|protect tag|more than maxDeletions)/.exec(
        b.message,
      );
    return `policy:${m ? m[1] : "other"}`;
  }
  return b.kind;
}
