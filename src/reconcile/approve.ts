/**
 * Approving a plan before anything is deleted, two ways over one derivation:
 *  - a plan file (`preflight`): re-derive at the plan's commit — checkout,
 *    desired state, policy, live listing, diff, gate: the plan pipeline's own
 *    stages — and refuse, saying what moved, when the plan is stale in any way:
 *    too old, its ref moved (re-fetched), the policy that would be used now
 *    differs, the account differs (Atlantis's apply_plan_validator);
 *  - a plan `serve` has just derived in-process (`approveDerived`): the same
 *    pure checks against that derivation, without deriving again.
 * Either way, every deletion must be one the derivation's gate approves.
 */

import type { DeleteContext } from "../apply/delete-one.js";
import { refused } from "../core/errors.js";
import { fingerprint } from "../core/fingerprint.js";
import { snapshotKey } from "../core/keys.js";
import type { Decision, DesiredState, LiveSnapshot, Plan } from "../core/model.js";
import { scopePredicate } from "../core/scope.js";
import { matchesTags } from "../core/tags.js";
import type { BatchGateDeps } from "../gate/gate.js";
import type { ClientFactory } from "../lightsail/client.js";
import { branchesContaining, redactUrl, resolveRef } from "../source/index.js";
import { loadSource, observe } from "./plan-pipeline.js";
import { StepRunner } from "./steps.js";

export interface PreflightOptions {
  cacheDir: string;
  /** the repository the operator named (bindRepository): every git question goes to it */
  repo: string;
  nowMs: number;
  /** refuse unless the plan's commit is the current tip of this branch */
  requireBranch?: string;
  /** read-only Lightsail clients: apply re-derives the gate's verdicts from live state */
  clients: ClientFactory;
}

export interface Preflight {
  desired: DesiredState;
  recheck: DeleteContext["recheck"];
}

/** The parts of a derivation an approval reads (a PlanOutcome is one). */
export interface Derivation {
  desired: DesiredState;
  decisions: readonly Decision[];
  gate: BatchGateDeps;
  policyDigest: string;
  checkout: { commit: string };
}

/** Allowed clock skew for a plan that claims to come from the future. */
const FUTURE_SKEW_MS = 5 * 60_000;

function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 120 ? `${m}m` : `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ""}`;
}

function isShaRef(ref: string, commit: string): boolean {
  return /^[0-9a-f]{7,64}$/.test(ref) && commit.startsWith(ref);
}

export async function preflight(plan: Plan, opts: PreflightOptions): Promise<Preflight> {
  const { source } = plan;
  const { repo } = opts;
  const steps = new StepRunner(undefined);
  const loaded = await loadSource(
    { repo, ref: source.commit, cacheDir: opts.cacheDir, onWarning: () => {} },
    steps,
  );
  try {
    const { desired } = loaded;
    checkAgeAndAccount(plan, desired, opts.nowMs);
    await checkCommitIsCurrent(plan, opts);
    checkPolicyAndRegions(plan, desired, loaded.gateDeps.policyDigest);
    // A plan file proves only that it was not edited, not who made it: every
    // deletion must still be one the desired state and the gate approve now.
    const seen = await observe(loaded, opts.clients, opts.nowMs, steps, { forFreshness: false });
    return {
      desired,
      recheck: recheckAgainst(plan, desired, loaded.gateDeps.gate, seen.decisions),
    };
  } finally {
    await loaded.checkout.release();
  }
}

/**
 * A plan approved against the derivation it was just built from, in-process
 * (`serve`): the same checks as a plan file's, with no second checkout,
 * policy load or listing.
 */
export function approveDerived(plan: Plan, derived: Derivation, nowMs: number): Preflight {
  if (derived.checkout.commit !== plan.source.commit) {
    throw refused(
      `the plan is for ${plan.source.commit.slice(0, 12)} but was approved against ${derived.checkout.commit.slice(0, 12)}; refusing`,
    );
  }
  checkAgeAndAccount(plan, derived.desired, nowMs);
  checkPolicyAndRegions(plan, derived.desired, derived.policyDigest);
  return {
    desired: derived.desired,
    recheck: recheckAgainst(plan, derived.desired, derived.gate, derived.decisions),
  };
}

function checkAgeAndAccount(plan: Plan, desired: DesiredState, nowMs: number): void {
  const { spec } = desired;
  const age = nowMs - Date.parse(plan.createdAt);
  if (age > spec.apply.maxPlanAgeMs) {
    throw refused(
      `the plan is ${formatDuration(age)} old, older than apply.maxPlanAge (${formatDuration(spec.apply.maxPlanAgeMs)}); re-run plan`,
    );
  }
  if (age < -FUTURE_SKEW_MS)
    throw refused(`the plan's createdAt ${plan.createdAt} is in the future; refusing`);
  if (spec.account !== plan.account) {
    throw refused(
      `the plan is for account ${plan.account} but snapgate.yaml at ${plan.source.commit.slice(0, 12)} says ${spec.account}; refusing`,
    );
  }
}

/** The plan's ref has not moved, and its commit is the --require-branch tip or on some branch. */
async function checkCommitIsCurrent(plan: Plan, opts: PreflightOptions): Promise<void> {
  const { source } = plan;
  const { repo } = opts;
  if (!isShaRef(source.ref, source.commit)) {
    const now = await resolveRef({ repo, ref: source.ref, cacheDir: opts.cacheDir });
    if (now !== source.commit) {
      throw refused(
        `${source.ref} moved from ${source.commit.slice(0, 12)} to ${now.slice(0, 12)} since the plan was made; re-run plan`,
      );
    }
  }
  if (opts.requireBranch !== undefined) {
    const tip = await resolveRef({
      repo,
      // a branch, never a tag or a sha that happens to carry the name
      ref: opts.requireBranch.startsWith("refs/heads/")
        ? opts.requireBranch
        : `refs/heads/${opts.requireBranch}`,
      cacheDir: opts.cacheDir,
    });
    if (tip !== source.commit) {
      throw refused(
        `--require-branch ${opts.requireBranch}: the plan was made for ${source.commit.slice(0, 12)} but ${opts.requireBranch} is at ${tip.slice(0, 12)} in ${redactUrl(repo)}; plan the current tip of ${opts.requireBranch}`,
      );
    }
    return;
  }
  // Any commit the cache holds can be checked out, a bare sha ref never "moves":
  // only a commit some branch of the operator's repository contains is applied.
  const branches = await branchesContaining({
    repo,
    commit: source.commit,
    cacheDir: opts.cacheDir,
  });
  if (branches.length === 0) {
    throw refused(
      `the plan's commit ${source.commit} is on no branch of ${redactUrl(repo)} (unmerged and no longer on its branch, force-pushed away, or reachable only from a tag or a sha); refusing: plan a commit of a branch`,
    );
  }
}

function checkPolicyAndRegions(plan: Plan, desired: DesiredState, policyDigest: string): void {
  const { spec } = desired;
  if (policyDigest !== plan.policy.digest || spec.policy.bundle !== plan.policy.bundle) {
    throw refused(
      `the policy changed since the plan: plan used ${plan.policy.bundle} ${plan.policy.digest}, now ${spec.policy.bundle} ${policyDigest}; re-run plan`,
    );
  }
  for (const d of plan.deletions) {
    if (!spec.regions.includes(d.region)) {
      throw refused(
        `the plan deletes ${d.region}/${d.name} but ${d.region} is not in spec.regions; refusing`,
      );
    }
  }
}

/**
 * The check each delete makes on the snapshot as it is just before its
 * DeleteDiskSnapshot: still in scope, unprotected, allowed, and the very
 * snapshot (same fingerprint) the derivation's gate approved.
 */
function recheckAgainst(
  plan: Plan,
  desired: DesiredState,
  gate: BatchGateDeps,
  decisions: readonly Decision[],
): DeleteContext["recheck"] {
  const { spec } = desired;
  const verdicts = new Map(decisions.map((d) => [snapshotKey(d.candidate.snapshot), d]));
  const inScope = scopePredicate(spec.scope, spec.regions);
  return (live: LiveSnapshot) => {
    if (!inScope(live))
      return { outcome: "skipped" as const, detail: "no longer in the reconciler's scope" };
    if (spec.protect && matchesTags(live.tags, spec.protect.matchTags)) {
      return { outcome: "skipped" as const, detail: "now protected (matches protect.matchTags)" };
    }
    const access = gate.access(live);
    if (!access.allowed)
      return { outcome: "denied" as const, detail: `access check: ${access.reasons.join("; ")}` };
    const verdict = verdicts.get(snapshotKey(live));
    if (!verdict || verdict.candidate.snapshot.arn !== live.arn) {
      return {
        outcome: "skipped" as const,
        detail: `not a deletion candidate at ${plan.source.commit.slice(0, 12)} (desired, or out of scope)`,
      };
    }
    // The verdict holds for the snapshot as the derivation listed it: tags or state that
    // changed since (even if they changed back to the planned ones) were never judged.
    if (fingerprint(verdict.candidate.snapshot) !== fingerprint(live)) {
      return {
        outcome: "skipped" as const,
        detail: "changed since preflight derived its verdict; re-run plan",
      };
    }
    if (verdict.blockedBy.length > 0) {
      const reasons = verdict.blockedBy.map((b) => `${b.kind}: ${b.message}`).join("; ");
      return { outcome: "skipped" as const, detail: `no longer approved: ${reasons}` };
    }
    return null;
  };
}
