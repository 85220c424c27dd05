/**
 * What snapgate tells people about, as plain values: one event per thing
 * worth a message. Events are built from the results the pipeline already
 * produces (an apply's counts, a reconcile's outcome, a compliance report, a
 * list of findings) by pure functions; rendering and delivery come later.
 * The input shapes are declared here, structurally, so this module needs
 * nothing from its peers (reconcile): a ReconcileResult simply fits.
 */
import type { DeletedOutsideFinding, NotifyEventKind, StaleSourceFinding } from "../core/model.js";

export type { DeletedOutsideFinding, StaleSourceFinding };

/** The desired state an event is about. `commit` is null when a run failed before resolving one. */
export interface EventSource {
  repo: string;
  ref?: string;
  commit: string | null;
}

export type ApplyCounts = Readonly<
  Record<"deleted" | "absent" | "skipped" | "denied" | "failed", number>
>;

interface EventBase {
  kind: NotifyEventKind;
  source: EventSource;
}

export interface ApplyEvent extends EventBase {
  kind: "apply";
  planDigest: string;
  counts: ApplyCounts;
  /** why the apply stopped early, when it did */
  aborted?: string;
  /** serve, cli, … */
  trigger: string;
}

export interface BlockedEvent extends EventBase {
  kind: "blocked";
  planDigest: string;
  /** the plan-level guard messages */
  reasons: readonly string[];
  /** deletions the plan would have made */
  candidates: number;
}

export interface FailedEvent extends EventBase {
  kind: "failed";
  /** the reason code (LockHeld, ListLiveFailed, PlanStale, …) */
  reason: string;
  step?: string;
  error: string;
  trigger: string;
}

export interface StaleEvent extends EventBase {
  kind: "stale";
  findings: readonly StaleSourceFinding[];
}

export interface DeletedOutsideEvent extends EventBase {
  kind: "deleted-outside";
  findings: readonly DeletedOutsideFinding[];
}

export interface NonCompliantEvent extends EventBase {
  kind: "non-compliant";
  planDigest: string;
  /** counts by class, as in the compliance report */
  classes: Readonly<Record<string, number>>;
  missing: number;
  warnings: number;
}

export type NotifyEvent =
  | ApplyEvent
  | BlockedEvent
  | FailedEvent
  | StaleEvent
  | DeletedOutsideEvent
  | NonCompliantEvent;

/** The statuses that are worth waking someone for: no fresh backup, or none at all. */
const ALERTING_STATUSES = new Set<StaleSourceFinding["status"]>(["stale", "none"]);

/**
 * The notifications a compliance run's findings call for: one `stale` event
 * listing every stale or uncovered source, one `deleted-outside` event listing
 * every unexplained deletion. `ok`, `warn` and `orphaned` sources are reported
 * by `audit` but are not worth a message on their own.
 */
export function findingsToEvents(
  source: EventSource,
  findings: {
    sources?: readonly StaleSourceFinding[];
    deletedOutside?: readonly DeletedOutsideFinding[];
  },
): NotifyEvent[] {
  const events: NotifyEvent[] = [];
  const stale = (findings.sources ?? []).filter((f) => ALERTING_STATUSES.has(f.status));
  if (stale.length > 0) events.push({ kind: "stale", source, findings: stale });
  const gone = findings.deletedOutside ?? [];
  if (gone.length > 0) events.push({ kind: "deleted-outside", source, findings: gone });
  return events;
}

/** The parts of a compliance report a `non-compliant` event needs. */
export interface ComplianceSummary {
  compliant: boolean;
  source: { repo: string; ref: string; commit: string };
  planDigest: string;
  summary: { classes: Readonly<Record<string, number>>; missing: number; warnings: number };
}

export function complianceEvents(report: ComplianceSummary): NotifyEvent[] {
  if (report.compliant) return [];
  return [
    {
      kind: "non-compliant",
      source: report.source,
      planDigest: report.planDigest,
      classes: report.summary.classes,
      missing: report.summary.missing,
      warnings: report.summary.warnings,
    },
  ];
}

/** The parts of one reconcile's result that events are made of (a ReconcileResult fits). */
export interface ReconcileReport {
  commit: string | null;
  ok: boolean;
  error?: string;
  planDigest?: string;
  applyCounts?: ApplyCounts;
  planLevelBlocks?: readonly string[];
  /** deletions the plan proposed (blocked ones included) */
  candidates?: number;
  outcome?: { reason: string; step?: string };
}

/**
 * What one `serve` reconcile calls for: `apply` when it applied, `blocked`
 * when a plan-level guard stopped the plan, `failed` when it failed or was
 * refused. A run that planned and had nothing to do says nothing.
 */
export function reconcileEvents(
  result: ReconcileReport,
  context: { repo: string; ref: string; trigger: string },
): NotifyEvent[] {
  const source: EventSource = { repo: context.repo, ref: context.ref, commit: result.commit };
  const events: NotifyEvent[] = [];
  if (result.applyCounts && result.planDigest) {
    events.push({
      kind: "apply",
      source,
      planDigest: result.planDigest,
      counts: result.applyCounts,
      ...(result.error !== undefined && !result.ok ? { aborted: result.error } : {}),
      trigger: context.trigger,
    });
  } else if (!result.ok) {
    events.push({
      kind: "failed",
      source,
      reason: result.outcome?.reason ?? "Internal",
      ...(result.outcome?.step !== undefined ? { step: result.outcome.step } : {}),
      error: result.error ?? "unknown error",
      trigger: context.trigger,
    });
  }
  if (result.planLevelBlocks && result.planLevelBlocks.length > 0 && result.planDigest) {
    events.push({
      kind: "blocked",
      source,
      planDigest: result.planDigest,
      reasons: result.planLevelBlocks,
      candidates: result.candidates ?? 0,
    });
  }
  return events;
}

/**
 * A key that is equal for two events saying the same thing again (the same
 * failure of the same commit, the same block): a daemon that retries a
 * failing reconcile tells people once, not every attempt; the same stale
 * sources are told once until the set changes. Apply events and deletions
 * outside snapgate never repeat (each is news).
 */
export function repeatKey(event: NotifyEvent): string | null {
  switch (event.kind) {
    case "failed":
      return `failed\u0000${event.source.commit}\u0000${event.reason}\u0000${event.error}`;
    case "blocked":
      return `blocked\u0000${event.source.commit}\u0000${event.reasons.join("\u0000")}`;
    case "stale":
      // the same sources in the same state, reconcile after reconcile: told once
      return `stale\u0000${event.findings
        .map((f) => `${f.region}/${f.kind}/${f.name}/${f.status}`)
        .sort()
        .join("\u0000")}`;
    default:
      return null;
  }
}

/** Drops events that repeat the previous one of their kind; a different event (or none) resets it. */
export class RepeatFilter {
  private readonly last = new Map<string, string>();

  /** `events` are one run's: a kind the run did not report is no longer repeating. */
  filter(events: readonly NotifyEvent[]): NotifyEvent[] {
    const seen = new Set<string>(events.map((e) => e.kind));
    for (const kind of [...this.last.keys()]) if (!seen.has(kind)) this.last.delete(kind);
    return events.filter((event) => {
      const key = repeatKey(event);
      if (key === null) return true;
      if (this.last.get(event.kind) === key) return false;
      this.last.set(event.kind, key);
      return true;
    });
  }
}
