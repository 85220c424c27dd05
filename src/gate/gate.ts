/**
 * The gate: every candidate goes through protect → guards → policy → access,
 * and every stage runs for every candidate so a blocked deletion lists every
 * reason. A candidate is approved only when no stage blocks it. A stage that
 * fails to evaluate blocks (fail closed); it never approves.
 */
import { messageOf } from "../core/errors.js";
import type {
  Block,
  Decision,
  DesiredState,
  DiffResult,
  Inventory,
  LiveSnapshot,
  PolicyInput,
  PolicyVerdict,
} from "../core/model.js";
import { scopePredicate } from "../core/scope.js";
import {
  addBlock,
  type BlocksByCandidate,
  keepNearMissGuard,
  minSnapshotsGuard,
  ownershipGuard,
  planLevelGuards,
  protectGuard,
} from "./guards.js";
import { policyInputBuilder } from "./policy-input.js";

/** What the policy stage needs: one evaluation per candidate, errors folded into the verdict. */
export interface PolicyEvaluator {
  evaluate(input: PolicyInput): PolicyVerdict & { error?: string };
}

export type AccessCheck = (
  s: LiveSnapshot,
) => { allowed: true } | { allowed: false; reasons: readonly string[] };

export interface GateStages {
  policy: PolicyEvaluator;
  access: AccessCheck;
}

export interface GateInput {
  desired: DesiredState;
  inventory: Inventory;
  diff: DiffResult;
  commit: string;
  nowMs: number;
}

export interface GateResult {
  decisions: Decision[];
  /** plan-level guard failures (they block every candidate) */
  planLevel: Block[];
}

export function runGate(input: GateInput, stages: GateStages): Decision[] {
  return gate(input, stages).decisions;
}

export function gate(input: GateInput, stages: GateStages): GateResult {
  const { desired, inventory, diff } = input;
  const { spec } = desired;
  const candidates = diff.candidates;
  const blocks: BlocksByCandidate = new Map();

  // 1. protect, ownership and keep typos: per candidate, never overridable.
  protectGuard(spec, candidates, blocks);
  ownershipGuard(spec, candidates, scopePredicate(spec.scope, spec.regions), blocks);
  keepNearMissGuard(diff.missing, candidates, blocks);

  // 2. plan-level guards count what protect left deletable.
  const deletable = candidates.filter((c) => !blocks.has(c));
  const planFailures = planLevelGuards(spec, {
    inScope: diff.inScope.length,
    desired: diff.desired.length,
    deletable: deletable.length,
  });
  for (const c of candidates) for (const b of planFailures) addBlock(blocks, c, b);
  minSnapshotsGuard(spec, inventory.snapshots, deletable, blocks);

  // 3. policy sees the plan as the guards left it.
  const planned = new Set<LiveSnapshot>(
    candidates.filter((c) => !blocks.has(c)).map((c) => c.snapshot),
  );
  const buildInput = policyInputBuilder(inventory, planned, {
    deletions: planned.size,
    inScope: diff.inScope.length,
    commit: input.commit,
    nowMs: input.nowMs,
    guards: spec.guards,
  });
  /** "plan:" denials and how many candidates got each */
  const policyPlanLevel = new Map<string, { block: Block; count: number }>();

  const decisions = candidates.map((c): Decision => {
    const blockedBy: Block[] = [...(blocks.get(c) ?? [])];
    const warnings: string[] = [];
    const verdict = evaluatePolicy(stages.policy, buildInput(c));
    for (const block of policyBlocks(verdict)) {
      blockedBy.push(block);
      if (!isPlanLevelMessage(block.message)) continue;
      const seen = policyPlanLevel.get(block.message);
      policyPlanLevel.set(block.message, { block, count: (seen?.count ?? 0) + 1 });
    }
    warnings.push(...verdict.warn);
    const access = checkAccessSafely(stages.access, c.snapshot);
    if (!access.allowed)
      for (const message of access.reasons) blockedBy.push({ kind: "access", message });
    return { candidate: c, blockedBy, warnings };
  });
  // only a denial every candidate got is about the whole plan; any other stays per candidate
  const policyWide = [...policyPlanLevel.values()]
    .filter((p) => p.count === candidates.length)
    .map((p) => p.block);
  return { decisions, planLevel: [...planFailures, ...policyWide] };
}

/**
 * A policy message that starts with "plan:" is about the whole plan (its input.plan is
 * the same for every candidate): when every candidate got it, the plan reports it once
 * instead of once per candidate.
 */
export function isPlanLevelMessage(message: string): boolean {
  return message.startsWith("plan:");
}

/** The verdict's denials as blocks; those it also holds are safety floors. */
function policyBlocks(verdict: PolicyVerdict): Block[] {
  const held = new Set(verdict.hold ?? []);
  const messages = [...new Set([...verdict.deny, ...held])];
  return messages.map((message) =>
    held.has(message) ? { kind: "policy", message, floor: "policy" } : { kind: "policy", message },
  );
}

function evaluatePolicy(policy: PolicyEvaluator, input: PolicyInput): PolicyVerdict {
  try {
    const verdict = policy.evaluate(input);
    if (verdict.error !== undefined) {
      return { deny: [...verdict.deny, `policy error: ${verdict.error}`], warn: verdict.warn };
    }
    return verdict;
  } catch (err) {
    return { deny: [`policy error: ${messageOf(err)}`], warn: [] };
  }
}

function checkAccessSafely(access: AccessCheck, s: LiveSnapshot) {
  try {
    return access(s);
  } catch (err) {
    return { allowed: false as const, reasons: [`access check error: ${messageOf(err)}`] };
  }
}
