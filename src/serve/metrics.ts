/**
 * Prometheus metrics for one daemon. Each instance owns its Registry (never
 * prom-client's global one), so several servers can live in one process —
 * tests start many. The typed methods are the only way to record, so label
 * names and values stay consistent.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { NotifyEventKind } from "../core/model.js";
import type { OutcomeKind, ReasonCode } from "../core/outcome.js";
import type { DeliveryObserver } from "../notify/index.js";
import type { BlockKind, FreshnessObservation, Receiver } from "../reconcile/types.js";
export type DeletionOutcome = "deleted" | "failed" | "skipped";

export interface SnapgateMetrics {
  readonly registry: Registry;
  recordReconcile(result: OutcomeKind, reason: ReasonCode, durationSeconds: number): void;
  recordDeletions(outcome: DeletionOutcome, count: number): void;
  recordBlocks(kind: BlockKind, count: number): void;
  setLastAppliedCommitTimestamp(epochSeconds: number): void;
  setQueueDepth(depth: number): void;
  recordWebhookRequest(receiver: Receiver | "unknown", status: number): void;
  /** notification attempts and results, by target name (never its URL) */
  readonly notifications: DeliveryObserver;
  /** replaces the freshness gauges with this reconcile's view; counts its deleted-outside findings */
  recordFreshness(observation: FreshnessObservation): void;
  /** the Prometheus text exposition */
  render(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): SnapgateMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const reconciles = counter(
    registers,
    "snapgate_reconciles_total",
    "Reconcile runs by result (applied, planned, refused, failed).",
    ["result"],
  );
  const outcomes = counter(
    registers,
    "snapgate_reconcile_outcomes_total",
    "Reconcile runs by result and reason code (e.g. refused/LockHeld, failed/ListLiveFailed).",
    ["result", "reason"],
  );
  const duration = new Histogram({
    name: "snapgate_reconcile_duration_seconds",
    help: "Duration of reconcile runs.",
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const deletions = counter(
    registers,
    "snapgate_deletions_total",
    "Snapshot deletions attempted by apply, by outcome.",
    ["outcome"],
  );
  const blocks = counter(
    registers,
    "snapgate_blocks_total",
    "Proposed deletions blocked, by gate kind (policy, access, guard, protect).",
    ["kind"],
  );
  const lastApplied = gauge(
    registers,
    "snapgate_last_applied_commit_timestamp_seconds",
    "Commit time of the last commit whose plan was applied.",
  );
  const queueDepth = gauge(
    registers,
    "snapgate_queue_depth",
    "Reconciles running or pending (0-2: bursts are coalesced).",
  );
  const webhooks = counter(
    registers,
    "snapgate_webhook_requests_total",
    "Webhook requests by receiver and HTTP status.",
    ["receiver", "status"],
  );
  const notifications = counter(
    registers,
    "snapgate_notifications_total",
    "Notifications by target, event and result (delivered, rejected, failed, misconfigured, dropped).",
    ["target", "event", "result"],
  );
  const notificationAttempts = counter(
    registers,
    "snapgate_notification_attempts_total",
    "Notification delivery attempts by target and result (ok, timeout, network, http, stopped).",
    ["target", "result"],
  );
  const freshness = freshnessMetrics(registers);
  // Initialise the common series so dashboards see zeros rather than gaps.
  for (const result of ["applied", "planned", "refused", "failed"])
    reconciles.labels(result).inc(0);
  for (const outcome of ["deleted", "failed", "skipped"]) deletions.labels(outcome).inc(0);
  queueDepth.set(0);

  return {
    registry,
    contentType: registry.contentType,
    recordReconcile: (result, reason, seconds) => {
      reconciles.labels(result).inc();
      outcomes.labels(result, reason).inc();
      duration.observe(Math.max(0, seconds));
    },
    recordDeletions: (outcome, count) => {
      if (count > 0) deletions.labels(outcome).inc(count);
    },
    recordBlocks: (kind, count) => {
      if (count > 0) blocks.labels(kind).inc(count);
    },
    setLastAppliedCommitTimestamp: (seconds) => lastApplied.set(seconds),
    setQueueDepth: (depth) => queueDepth.set(depth),
    recordWebhookRequest: (receiver, status) => webhooks.labels(receiver, String(status)).inc(),
    notifications: {
      attempt: (target, result) => notificationAttempts.labels(target, result).inc(),
      delivered: (target, event: NotifyEventKind, result) =>
        notifications.labels(target, event, result).inc(),
    },
    recordFreshness: freshness.record,
    render: () => registry.metrics(),
  };
}

/** A counter in these registers; no labels unless named. */
function counter<L extends string>(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return new Counter<L>({ name, help, labelNames, registers });
}

/** A gauge in these registers; no labels unless named. */
function gauge<L extends string>(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Gauge<L> {
  return new Gauge<L>({ name, help, labelNames, registers });
}

const FRESHNESS_STATUSES = ["ok", "warn", "stale", "none"] as const;

/**
 * Per covered source: the newest completed snapshot's age (no series when it
 * has none), and its status as one 1 among 0s, so an alert can match
 * `status="stale"` without knowing the others. A source that is no longer
 * covered loses its series at the next reconcile.
 */
function freshnessMetrics(registers: Registry[]) {
  const age = gauge(
    registers,
    "snapgate_source_newest_snapshot_age_seconds",
    "Age of the newest completed in-scope snapshot of each covered source, at the last reconcile.",
    ["region", "kind", "source"],
  );
  const status = gauge(
    registers,
    "snapgate_source_freshness_status",
    "Freshness of each covered source at the last reconcile: 1 for its status (ok, warn, stale, none), 0 for the others.",
    ["region", "kind", "source", "status"],
  );
  const deletedOutside = counter(
    registers,
    "snapgate_deleted_outside_findings_total",
    "In-scope snapshots found deleted outside snapgate (gone, with no delete-result of snapgate's).",
  );
  deletedOutside.inc(0);
  return {
    record(observation: FreshnessObservation): void {
      age.reset();
      status.reset();
      for (const s of observation.sources) {
        const labels = { region: s.region, kind: s.kind, source: s.source };
        if (s.newestAgeSeconds !== null) age.set(labels, s.newestAgeSeconds);
        for (const st of FRESHNESS_STATUSES)
          status.set({ ...labels, status: st }, st === s.status ? 1 : 0);
      }
      if (observation.deletedOutside > 0) deletedOutside.inc(observation.deletedOutside);
    },
  };
}
