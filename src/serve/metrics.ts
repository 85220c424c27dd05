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

  const reconciles = new Counter({
    name: "snapgate_reconciles_total",
    help: "Reconcile runs by result (applied, planned, refused, failed).",
    labelNames: ["result"] as const,
    registers,
  });
  const outcomes = new Counter({
    name: "snapgate_reconcile_outcomes_total",
    help: "Reconcile runs by result and reason code (e.g. refused/LockHeld, failed/ListLiveFailed).",
    labelNames: ["result", "reason"] as const,
    registers,
  });
  const duration = new Histogram({
    name: "snapgate_reconcile_duration_seconds",
    help: "Duration of reconcile runs.",
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const deletions = new Counter({
    name: "snapgate_deletions_total",
    help: "Snapshot deletions attempted by apply, by outcome.",
    labelNames: ["outcome"] as const,
    registers,
  });
  const blocks = new Counter({
    name: "snapgate_blocks_total",
    help: "Proposed deletions blocked, by gate kind (policy, access, guard, protect).",
    labelNames: ["kind"] as const,
    registers,
  });
  const lastApplied = new Gauge({
    name: "snapgate_last_applied_commit_timestamp_seconds",
    help: "Commit time of the last commit whose plan was applied.",
    registers,
  });
  const queueDepth = new Gauge({
    name: "snapgate_queue_depth",
    help: "Reconciles running or pending (0-2: bursts are coalesced).",
    registers,
  });
  const webhooks = new Counter({
    name: "snapgate_webhook_requests_total",
    help: "Webhook requests by receiver and HTTP status.",
    labelNames: ["receiver", "status"] as const,
    registers,
  });
  const notifications = new Counter({
    name: "snapgate_notifications_total",
    help: "Notifications by target, event and result (delivered, rejected, failed, misconfigured, dropped).",
    labelNames: ["target", "event", "result"] as const,
    registers,
  });
  const notificationAttempts = new Counter({
    name: "snapgate_notification_attempts_total",
    help: "Notification delivery attempts by target and result (ok, timeout, network, http, stopped).",
    labelNames: ["target", "result"] as const,
    registers,
  });
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

const FRESHNESS_STATUSES = ["ok", "warn", "stale", "none"] as const;

/**
 * Per covered source: the newest completed snapshot's age (no series when it
 * has none), and its status as one 1 among 0s, so an alert can match
 * `status="stale"` without knowing the others. A source that is no longer
 * covered loses its series at the next reconcile.
 */
function freshnessMetrics(registers: Registry[]) {
  const age = new Gauge({
    name: "snapgate_source_newest_snapshot_age_seconds",
    help: "Age of the newest completed in-scope snapshot of each covered source, at the last reconcile.",
    labelNames: ["region", "kind", "source"] as const,
    registers,
  });
  const status = new Gauge({
    name: "snapgate_source_freshness_status",
    help: "Freshness of each covered source at the last reconcile: 1 for its status (ok, warn, stale, none), 0 for the others.",
    labelNames: ["region", "kind", "source", "status"] as const,
    registers,
  });
  const deletedOutside = new Counter({
    name: "snapgate_deleted_outside_findings_total",
    help: "In-scope snapshots found deleted outside snapgate (gone, with no delete-result of snapgate's).",
    registers,
  });
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
