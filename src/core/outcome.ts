/**
 * How a reconcile (or an apply) ends, as a value: `applied`, `planned`,
 * `refused` or `failed`, with a reason code from one fixed list. A refusal is
 * a decision, not an error: it is returned, shown with its reason and counted
 * under its code (`/metrics`, `/status`, the audit log), and the CLI maps it to
 * the exit code the README documents. Each code also says what a daemon should
 * do next, in Flux's three kinds: retry soon (transient), wait for the next
 * trigger (requeue), or wait until the branch moves (terminal).
 */

export type OutcomeKind = "applied" | "planned" | "refused" | "failed";

/** What to do after an outcome with this code. */
export type RetryKind =
  /** nothing went wrong: the next trigger reconciles as usual */
  | "none"
  /** may succeed on its own in a moment (network, throttling, a lock held by another run) */
  | "transient"
  /** the same commit will fail the same way: wait for the branch to move */
  | "terminal";

const CODES = {
  // applied
  Applied: { kind: "applied", retry: "none" },
  AppliedWithFailures: { kind: "applied", retry: "none" },
  // planned, and deliberately not applied
  NothingToDelete: { kind: "planned", retry: "none" },
  NotAutoApplyBranch: { kind: "planned", retry: "none" },
  Suspended: { kind: "planned", retry: "none" },
  PlanLevelGuard: { kind: "planned", retry: "none" },
  // refused: snapgate will not act on this plan
  SignatureInvalid: { kind: "refused", retry: "terminal" },
  PlanInvalid: { kind: "refused", retry: "terminal" },
  PlanStale: { kind: "refused", retry: "terminal" },
  RefMoved: { kind: "refused", retry: "terminal" },
  CommitUnreachable: { kind: "refused", retry: "terminal" },
  NotBranchTip: { kind: "refused", retry: "terminal" },
  RepoMismatch: { kind: "refused", retry: "terminal" },
  PolicyChanged: { kind: "refused", retry: "terminal" },
  AccountMismatch: { kind: "refused", retry: "terminal" },
  RegionNotConfigured: { kind: "refused", retry: "terminal" },
  LockHeld: { kind: "refused", retry: "transient" },
  LeaseLost: { kind: "refused", retry: "transient" },
  Cancelled: { kind: "refused", retry: "none" },
  // failed
  BadInput: { kind: "failed", retry: "terminal" },
  PolicyFailed: { kind: "failed", retry: "terminal" },
  SourceFailed: { kind: "failed", retry: "transient" },
  ListLiveFailed: { kind: "failed", retry: "transient" },
  LightsailFailed: { kind: "failed", retry: "transient" },
  StateFailed: { kind: "failed", retry: "transient" },
  Aborted: { kind: "failed", retry: "none" },
  Internal: { kind: "failed", retry: "transient" },
} as const satisfies Record<string, { kind: OutcomeKind; retry: RetryKind }>;

export type ReasonCode = keyof typeof CODES;
export const REASON_CODES = Object.keys(CODES) as ReasonCode[];

export type RefusalCode = {
  [C in ReasonCode]: (typeof CODES)[C]["kind"] extends "refused" ? C : never;
}[ReasonCode];

export function outcomeKindOf(code: ReasonCode): OutcomeKind {
  return CODES[code].kind;
}

export function retryKindOf(code: ReasonCode): RetryKind {
  return CODES[code].retry;
}

/** A refusal: snapgate will not act, and says why in words a user can act on. */
export interface Refusal {
  code: RefusalCode;
  message: string;
}

export function refusal(code: RefusalCode, message: string): Refusal {
  return { code, message };
}

/** Either what was asked for, or the refusal that stopped it. */
export type Refusable<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };
