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

type Verdict = PolicyVerdict & { error?: string };

/** An in-process policy: one evaluation per candidate, errors folded into the verdict. */
export interface PolicyEvaluator {
  evaluate(input: PolicyInput): Verdict;
}

/**
 * A policy evaluated elsewhere (the OPA engine's worker thread): every candidate of the plan
 * in one call, one verdict per input, in order.
 */
export interface BatchPolicyEvaluator {
  evaluateAll(inputs: readonly PolicyInput[]): Promise<Verdict[]>;
}

export type AccessCheck = (
  s: LiveSnapshot,
) => { allowed: true } | { allowed: false; reasons: readonly string[] };

export interface GateDeps {
  policy: PolicyEvaluator;
  access: AccessCheck;
}

/** The dependencies as loaded for a plan: the policy runs off the main thread, in batches. */
export interface BatchGateDeps {
  policy: BatchPolicyEvaluator;
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

export function runGate(input: GateInput, deps: GateDeps): Decision[] {
  return gate(input, deps).decisions;
}

export function gate(input: GateInput, deps: GateDeps): GateResult {
  const prepared = prepareGate(input);
  const verdicts = prepared.inputs.map((i) => evaluatePolicy(deps.policy, i));
  return finishGate(prepared, verdicts, deps.access);
}

/** The gate with a batch policy: one round-trip for every candidate of the plan. */
export async function gateBatch(input: GateInput, deps: BatchGateDeps): Promise<GateResult> {
  const prepared = prepareGate(input);
  let verdicts: Verdict[];
  try {
    verdicts = await deps.policy.evaluateAll(prepared.inputs);
    if (verdicts.length !== prepared.inputs.length) throw new Error("wrong number of verdicts");
  } catch (err) {
    const failed: Verdict = { deny: [], warn: [], error: messageOf(err) };
    verdicts = prepared.inputs.map(() => failed);
  }
  return finishGate(prepared, verdicts.map(withPolicyError), deps.access);
}

interface PreparedGate {
  candidates: DiffResult["candidates"];
  blocks: BlocksByCandidate;
  planFailures: Block[];
  /** the policy input of each candidate, in candidate order */
  inputs: PolicyInput[];
}

/** Every stage but policy and access, and the policy's input for each candidate. */
function prepareGate(input: GateInput): PreparedGate {
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
  return { candidates, blocks, planFailures, inputs: candidates.map((c) => buildInput(c)) };
}

function finishGate(
  prepared: PreparedGate,
  verdicts: readonly PolicyVerdict[],
  access: AccessCheck,
): GateResult {
  /** "plan:" denials and how many candidates got each */
  const policyPlanLevel = new Map<string, { block: Block; count: number }>();
  const decisions = prepared.candidates.map((c, i): Decision => {
    const blockedBy: Block[] = [...(prepared.blocks.get(c) ?? [])];
    const warnings: string[] = [];
    const verdict = verdicts[i] ?? { deny: ["policy error: no verdict"], warn: [] };
    for (const block of policyBlocks(verdict)) {
      blockedBy.push(block);
      if (!isPlanLevelMessage(block.message)) continue;
      const seen = policyPlanLevel.get(block.message);
      policyPlanLevel.set(block.message, { block, count: (seen?.count ?? 0) + 1 });
    }
    warnings.push(...verdict.warn);
    const checked = checkAccessSafely(access, c.snapshot);
    if (!checked.allowed)
      for (const message of checked.reasons) blockedBy.push({ kind: "access", message });
    return { candidate: c, blockedBy, warnings };
  });
  // only a denial every candidate got is about the whole plan; any other stays per candidate
  const policyWide = [...policyPlanLevel.values()]
    .filter((p) => p.count === prepared.candidates.length)
    .map((p) => p.block);
  return { decisions, planLevel: [...prepared.planFailures, ...policyWide] };
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

/**
 * A verdict whose evaluation failed blocks with `policy error: …`, once: an engine that
 * already put the message among its deny reasons does not get it twice.
 */
function withPolicyError(verdict: Verdict): PolicyVerdict {
  if (verdict.error === undefined) return verdict;
  const message = `policy error: ${verdict.error}`;
  return {
    deny: verdict.deny.includes(message) ? verdict.deny : [...verdict.deny, message],
    warn: verdict.warn,
    ...(verdict.hold ? { hold: verdict.hold } : {}),
  };
}

function evaluatePolicy(policy: PolicyEvaluator, input: PolicyInput): PolicyVerdict {
  try {
    return withPolicyError(policy.evaluate(input));
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
