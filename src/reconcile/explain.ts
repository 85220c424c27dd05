/**
 * `snapgate explain`: why one snapshot is kept, proposed for deletion,
 * blocked or left alone. Read off the outcome of makePlan — the plan the same
 * commit and the same live state give — so an explanation can never disagree
 * with the plan a reviewer is looking at.
 */
import { snapshotKey } from "../core/keys.js";
import type {
  BlockKind,
  CandidateReason,
  DesiredState,
  LiveSnapshot,
  Plan,
  RetainRule,
  SnapshotSource,
  Tags,
} from "../core/model.js";
import { compileNamePattern } from "../core/name-pattern.js";
import { ruleSource, snapshotSource } from "../core/source.js";
import { describeTagMatch, matchesTags, matchesTagsUnanimously } from "../core/tags.js";
import { formatDuration } from "../desired/duration.js";
import type { PlanOutcome } from "./plan-pipeline.js";

export type ExplainVerdict = "kept" | "deletion" | "blocked" | "out-of-scope";

/** The gate's stages, in the order the gate runs them. */
export const EXPLAIN_STAGES: readonly BlockKind[] = ["protect", "guard", "policy", "access"];

export interface StageVerdict {
  stage: BlockKind;
  verdict: "pass" | "block";
  /** every message of that stage that blocks the deletion */
  messages: readonly string[];
}

/** A retain rule of the snapshot's source, and where it was declared. */
export interface SourceRule {
  set: string;
  file: string;
  rule: string;
}

export interface Explanation {
  region: string;
  name: string;
  verdict: ExplainVerdict;
  /** one sentence a reviewer reads first */
  summary: string;
  snapshot: {
    arn: string;
    createdAt: string;
    state: string;
    sizeInGb: number;
    source: SnapshotSource | null;
    tags: Tags;
  };
  /** why the desired state keeps it (`keep`, `newest 7`, `daily 2026-11-30`, …); empty otherwise */
  keepReasons: readonly string[];
  /** for a deletion candidate: `not-declared` or `outside-retention` */
  candidateReason: CandidateReason | null;
  /** matches spec.protect: never deleted, whatever git says */
  protected: boolean;
  /** the retain rules of its source in its region, whether or not they keep it */
  rules: readonly SourceRule[];
  /** for a snapshot snapgate does not own: which part of spec.scope it misses */
  outOfScope: readonly string[];
  /** for a deletion candidate: the verdict of every gate stage; empty otherwise */
  stages: readonly StageVerdict[];
  /** the policy's warnings for a deletion candidate */
  warnings: readonly string[];
  plan: { repo: string; ref: string; commit: string; digest: string; createdAt: string };
}

export type ExplainResult =
  | { found: true; explanation: Explanation }
  | { found: false; message: string };

export interface ExplainTarget {
  region: string;
  name: string;
}

/** Parses `<region>/<snapshot>`; null when it is not of that form. */
export function parseExplainTarget(text: string): ExplainTarget | null {
  const at = text.indexOf("/");
  if (at <= 0 || at === text.length - 1) return null;
  const region = text.slice(0, at);
  const name = text.slice(at + 1);
  return name.includes("/") ? null : { region, name };
}

export function explainSnapshot(outcome: PlanOutcome, target: ExplainTarget): ExplainResult {
  const { plan, desired, inventory, diff } = outcome;
  const key = snapshotKey(target);
  const snapshot = inventory.snapshots.find((s) => snapshotKey(s) === key);
  if (!snapshot) return { found: false, message: notFoundMessage(outcome, target) };

  const base = describeSnapshot(outcome, snapshot);
  if (!diff.inScope.includes(snapshot)) {
    return { found: true, explanation: outOfScope(base, desired, snapshot) };
  }
  const kept = plan.kept?.find((k) => snapshotKey(k) === key);
  if (kept) return { found: true, explanation: keptBecause(base, kept.reasons) };
  const deletion = plan.deletions.find((d) => snapshotKey(d) === key);
  const blocked = plan.blocked.find((b) => snapshotKey(b) === key);
  return { found: true, explanation: candidateVerdict(base, key, deletion, blocked) };
}

/** What every explanation says of the snapshot itself, whatever its verdict. */
type SnapshotFacts = Pick<
  Explanation,
  "region" | "name" | "snapshot" | "protected" | "rules" | "plan"
>;

function describeSnapshot(outcome: PlanOutcome, snapshot: LiveSnapshot): SnapshotFacts {
  const { plan, desired } = outcome;
  const protect = desired.spec.protect;
  return {
    region: snapshot.region,
    name: snapshot.name,
    snapshot: {
      arn: snapshot.arn,
      createdAt: snapshot.createdAt,
      state: snapshot.state,
      sizeInGb: snapshot.sizeInGb,
      source: snapshotSource(snapshot) ?? null,
      tags: snapshot.tags,
    },
    protected: protect !== undefined && matchesTags(snapshot.tags, protect.matchTags),
    rules: sourceRules(desired, snapshot),
    plan: {
      repo: plan.source.repo,
      ref: plan.source.ref,
      commit: plan.source.commit,
      digest: plan.digest,
      createdAt: plan.createdAt,
    },
  };
}

function outOfScope(
  base: SnapshotFacts,
  desired: DesiredState,
  snapshot: LiveSnapshot,
): Explanation {
  const misses = scopeMisses(desired, snapshot);
  return {
    ...base,
    verdict: "out-of-scope",
    summary: `not in scope (${misses.join("; ")}): snapgate never deletes it`,
    keepReasons: [],
    candidateReason: null,
    outOfScope: misses,
    stages: [],
    warnings: [],
  };
}

function keptBecause(base: SnapshotFacts, reasons: readonly string[]): Explanation {
  return {
    ...base,
    verdict: "kept",
    summary: `kept: ${reasons.join(", ")}`,
    keepReasons: [...reasons],
    candidateReason: null,
    outOfScope: [],
    stages: [],
    warnings: [],
  };
}

/** A deletion candidate: proposed, or blocked by the stages that say so. */
function candidateVerdict(
  base: SnapshotFacts,
  key: string,
  deletion: Plan["deletions"][number] | undefined,
  blocked: Plan["blocked"][number] | undefined,
): Explanation {
  const candidate = deletion ?? blocked;
  if (!candidate) {
    // makePlan lists every in-scope snapshot as kept, a deletion or blocked
    throw new Error(`explain: ${key} is in scope but in no list of the plan`);
  }
  const blocks = blocked?.blockedBy ?? [];
  const stages = EXPLAIN_STAGES.map((stage): StageVerdict => {
    const messages = blocks.filter((b) => b.kind === stage).map((b) => b.message);
    return { stage, verdict: messages.length > 0 ? "block" : "pass", messages };
  });
  const stopping = stages.filter((s) => s.verdict === "block").map((s) => s.stage);
  return {
    ...base,
    verdict: blocked ? "blocked" : "deletion",
    summary: blocked
      ? `a deletion candidate (${candidate.reason}), blocked by ${stopping.join(", ")}: it stays`
      : `proposed for deletion (${candidate.reason}): protect, guards, policy and access all pass`,
    keepReasons: [],
    candidateReason: candidate.reason,
    outOfScope: [],
    stages,
    warnings: [...(deletion?.warnings ?? blocked?.warnings ?? [])],
  };
}

function notFoundMessage(outcome: PlanOutcome, target: ExplainTarget): string {
  const { desired, inventory, plan } = outcome;
  const regions = desired.spec.regions;
  const where = `${target.region}/${target.name}`;
  const at = `(commit ${plan.source.commit.slice(0, 12)} of ${plan.source.ref})`;
  if (!regions.includes(target.region)) {
    return `${where}: region ${target.region} is not in spec.regions (${regions.join(", ")}) ${at}; snapgate never lists or deletes anything there`;
  }
  const declared = outcome.diff.missing.some(
    (m) => m.region === target.region && m.name === target.name,
  );
  const similar = inventory.snapshots
    .filter((s) => s.region === target.region && foldName(s.name) === foldName(target.name))
    .map((s) => s.name);
  const hint = similar.length > 0 ? `; did you mean ${similar.map(quote).join(" or ")}?` : "";
  const keep = declared ? " (a keep list names it: it is reported as missing)" : "";
  return `${where}: no such snapshot is live in account ${desired.spec.account}${keep}${hint}`;
}

function foldName(name: string): string {
  return name.toLowerCase().replace(/[-_.]/g, "");
}

function quote(s: string): string {
  return `"${s}"`;
}

/** The parts of spec.scope a live snapshot misses. */
function scopeMisses(desired: DesiredState, s: LiveSnapshot): string[] {
  const { scope } = desired.spec;
  const misses: string[] = [];
  for (const [key, value] of Object.entries(scope.matchTags)) {
    if (!matchesTagsUnanimously(s.tags, { [key]: value }))
      misses.push(`scope.matchTags wants ${key}=${value}`);
  }
  if (scope.namePattern !== undefined && !compileNamePattern(scope.namePattern).test(s.name))
    misses.push(`name does not match scope.namePattern ${scope.namePattern}`);
  // scopePredicate also needs the region, which inventory only lists when configured
  return misses.length > 0 ? misses : ["outside spec.scope"];
}

function sourceRules(desired: DesiredState, s: LiveSnapshot): SourceRule[] {
  const source = snapshotSource(s);
  if (!source) return [];
  const out: SourceRule[] = [];
  for (const set of desired.sets) {
    if (set.region !== s.region) continue;
    for (const rule of set.retain) {
      const rs = ruleSource(rule);
      if (rs.kind === source.kind && rs.name === source.name)
        out.push({ set: set.name, file: set.file, rule: describeRule(rule) });
    }
  }
  return out;
}

/** `fromDisk web-data: newest 3, calendar daily 7 weekly 4 (UTC), matchTags tier=monthly` */
export function describeRule(rule: RetainRule): string {
  const source = ruleSource(rule);
  const parts: string[] = [];
  if (rule.newest !== undefined) parts.push(`newest ${rule.newest}`);
  if (rule.maxAgeMs !== undefined) parts.push(`maxAge ${formatDuration(rule.maxAgeMs)}`);
  if (rule.withinMs !== undefined)
    parts.push(`within ${rule.withinText ?? formatDuration(rule.withinMs)}`);
  if (rule.calendar !== undefined) {
    const { timezone, ...units } = rule.calendar;
    const counts = Object.entries(units)
      .filter(([, n]) => n !== undefined)
      .map(([unit, n]) => `${unit} ${n}`);
    parts.push(`calendar ${counts.join(" ")} (${timezone})`);
  }
  if (rule.matchTags !== undefined) parts.push(`matchTags ${describeTagMatch(rule.matchTags)}`);
  const from = source.kind === "disk" ? "fromDisk" : "fromInstance";
  return `${from} ${source.name}: ${parts.join(", ")}`;
}
