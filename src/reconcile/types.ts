/**
 * The contract between the daemon (src/serve/) and the reconcile: what started
 * a run, and what the run reports back — its typed outcome included.
 */
import type { DeletedOutsideFinding, NotificationSpec, StaleSourceFinding } from "../core/model.js";
import type { OutcomeKind, ReasonCode } from "../core/outcome.js";
import type { StepName, StepRecord } from "./steps.js";

export type Receiver = "github" | "gitlab" | "gitea" | "generic";
export const RECEIVERS: readonly Receiver[] = ["github", "gitlab", "gitea", "generic"];

/** Why a reconcile runs. `coalesced` counts the earlier triggers this one absorbed. */
export type ReconcileTrigger =
  | { kind: "start"; coalesced?: number }
  | { kind: "poll"; commit: string; coalesced?: number }
  /** a transient failure is retried soon, with backoff */
  | { kind: "retry"; attempt: number; coalesced?: number }
  | {
      kind: "webhook";
      receiver: Receiver;
      deliveryId: string | null;
      /** the pushed head from the payload; a hint only — the reconcile re-resolves the branch */
      commit: string | null;
      coalesced?: number;
    };

export type BlockKind = "policy" | "access" | "guard" | "protect";
export const BLOCK_KINDS: readonly BlockKind[] = ["policy", "access", "guard", "protect"];

/** How a run ended: the kind, the reason code, the step that failed (if one did), the step timings. */
export interface ReconcileOutcome {
  kind: OutcomeKind;
  reason: ReasonCode;
  step?: StepName;
  steps: readonly StepRecord[];
}

/** What a reconcile saw of freshness, for the daemon's gauges. */
export interface FreshnessObservation {
  /** every covered source (empty when the desired state declares no freshness) */
  sources: readonly {
    region: string;
    kind: "disk" | "instance";
    source: string;
    status: "ok" | "warn" | "stale" | "none";
    /** null: no completed snapshot */
    newestAgeSeconds: number | null;
  }[];
  /** in-scope snapshots gone since the previous record without a delete-result of snapgate's */
  deletedOutside: number;
  /** those snapshots, for notifications */
  deleted?: readonly { region: string; name: string; arn: string; lastSeen: string }[];
}

export interface ReconcileResult {
  /** the commit that was reconciled; null when the run failed before resolving one */
  commit: string | null;
  ok: boolean;
  /** free-form summary of the plan, shown in /status (e.g. counts per action) */
  planSummary?: Record<string, unknown>;
  /** present only when the run applied (auto-apply branch, not suspended, nothing blocked) */
  applied?: { deleted: number; failed: number; skipped: number };
  /** deletions blocked, by gate kind; recorded as snapgate_blocks_total */
  blocks?: Partial<Record<BlockKind, number>>;
  /** freshness of the covered sources; absent when the run failed before planning */
  freshness?: FreshnessObservation;
  /** commit time of `commit` (ISO string or epoch seconds); feeds the last-applied gauge */
  commitTime?: string | number;
  /** human-readable failure, when ok is false */
  error?: string;
  /** the typed outcome (absent only from reconcile bodies that predate it, e.g. test doubles) */
  outcome?: ReconcileOutcome;
  /** the plan's digest, when a plan was made */
  planDigest?: string;
  /** every outcome count of the apply, when one ran (notifications report them all) */
  applyCounts?: Readonly<Record<"deleted" | "absent" | "skipped" | "denied" | "failed", number>>;
  /** the plan-level guard messages, when one blocked the plan */
  planLevelBlocks?: readonly string[];
  /** deletions the plan proposed, blocked ones included */
  candidates?: number;
  /** the reconciled commit's spec.notifications (absent when the desired state did not load) */
  notifications?: readonly NotificationSpec[];
  /** compliance findings of this run, when it produced any */
  findings?: {
    sources?: readonly StaleSourceFinding[];
    deletedOutside?: readonly DeletedOutsideFinding[];
  };
}
