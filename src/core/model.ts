/**
 * The plain data types the pipeline stages pass to each other. Defined once,
 * here; no stage reaches into another's internals.
 *
 *   source ─► desired ─┐
 *   inventory ─────────┴► diff ─► gate (guards → policy → access) ─► plan ─► apply ─► audit
 */

export type Tags = Readonly<Record<string, string>>;

export type SnapshotState = "pending" | "completed" | "error" | "unknown";

/** What a snapshot was taken from, as Lightsail reports it (the emulator stores the same). */
export interface SnapshotOrigin {
  fromDiskName?: string;
  fromDiskArn?: string;
  fromInstanceName?: string;
  fromInstanceArn?: string;
  isFromAutoSnapshot: boolean;
}

/** A disk snapshot as listed from Lightsail, normalised (tags as an object, ISO times). */
export interface LiveSnapshot extends SnapshotOrigin {
  region: string;
  name: string;
  arn: string;
  supportCode?: string;
  /** RFC 3339, UTC, millisecond precision */
  createdAt: string;
  sizeInGb: number;
  /** Lightsail's state; unknown strings are kept as they came */
  state: SnapshotState | string;
  progress?: string;
  tags: Tags;
}

export interface LiveDisk {
  region: string;
  name: string;
  arn: string;
  sizeInGb: number;
  state: string;
  tags: Tags;
}

/** A Lightsail instance (GetInstances): the source of its system-disk snapshots. */
export interface LiveInstance {
  region: string;
  name: string;
  arn: string;
  /** Lightsail's state name: running, stopped, pending, … */
  state: string;
  tags: Tags;
}

/** Everything listed from Lightsail for one plan. Complete or absent: never partial. */
export interface Inventory {
  regions: readonly string[];
  snapshots: readonly LiveSnapshot[];
  disks: readonly LiveDisk[];
  /** listed only when spec.freshness is declared (GetInstances is one more permission) */
  instances?: readonly LiveInstance[];
}

// ─── desired state (snapgate.yaml + snapshots/*.yaml) ────────────────────────

export interface TagMatch {
  /** all must match; value "*" means the key is present */
  matchTags: Tags;
}

export interface ScopeSpec {
  matchTags: Tags;
  namePattern?: string;
}

export interface GuardSpec {
  maxDeletions: number;
  maxDeletionPercent: number;
  minSnapshotsPerDisk: number;
  allowEmpty: boolean;
}

export interface PolicySpec {
  /** "builtin", or a path inside the repo: a Rego directory or an OPA wasm bundle */
  bundle: string;
  data: Readonly<Record<string, unknown>>;
}

export interface AccessSpec {
  allow: readonly TagMatch[];
  deny: readonly TagMatch[];
  /** repo-relative path of an IAM policy document */
  iamPolicy?: string;
}

export interface ApplySpec {
  autoApplyBranches: readonly string[];
  /** milliseconds */
  maxPlanAgeMs: number;
}

/** Which live sources must have a fresh backup: disks and instances, each by tags. */
export interface FreshnessSources {
  disks?: TagMatch;
  instances?: TagMatch;
}

/** spec.freshness: every covered source needs a completed snapshot newer than maxAge. */
export interface FreshnessSpec {
  maxAgeMs: number;
  /** older than this (but within maxAge) is reported as `warn`, and does not fail */
  warnAgeMs?: number;
  /** maxAge / warnAge as written (`26h`), for reports */
  maxAgeText: string;
  warnAgeText?: string;
  sources: FreshnessSources;
}

/** A SnapshotSet's spec.freshness: overrides the window for the sources its rules name. */
export interface FreshnessOverride {
  maxAgeMs: number;
  maxAgeText: string;
  warnAgeMs?: number;
  warnAgeText?: string;
}

export interface ReconcilerSpec {
  account: string;
  /** expanded: never contains "*" */
  regions: readonly string[];
  scope: ScopeSpec;
  protect?: TagMatch;
  guards: GuardSpec;
  policy: PolicySpec;
  access: AccessSpec;
  apply: ApplySpec;
  suspend: boolean;
  /** absent: no freshness or coverage check */
  freshness?: FreshnessSpec;
  /** where snapgate reports what it did and what went wrong; absent = nobody is told */
  notifications?: readonly NotificationSpec[];
}

// ─── notifications ──────────────────────────────────────────────────────────

/** What a notification is about (and what a target subscribes to). */
export type NotifyEventKind =
  /** an apply ran: its counts */
  | "apply"
  /** a plan-level guard blocked every deletion of a plan */
  | "blocked"
  /** a reconcile (or an apply) failed or was refused */
  | "failed"
  /** covered sources without a fresh completed snapshot */
  | "stale"
  /** in-scope snapshots that disappeared without a delete-result of snapgate's */
  | "deleted-outside"
  /** an audit found the account not compliant */
  | "non-compliant";

export const NOTIFY_EVENT_KINDS: readonly NotifyEventKind[] = [
  "apply",
  "blocked",
  "failed",
  "stale",
  "deleted-outside",
  "non-compliant",
];

/**
 * Where a value that may be a secret comes from on the host running snapgate:
 * a file or an environment variable — never the repository. Only a webhook's
 * URL may be written literally (a Slack URL carries its token in the path).
 */
export type ValueSource = { literal: string } | { file: string } | { env: string };

/** One covered source whose newest completed snapshot is too old, or that has none. */
export interface StaleSourceFinding {
  region: string;
  kind: SourceKind;
  name: string;
  status: "ok" | "warn" | "stale" | "none" | "orphaned";
  /** age of the newest completed snapshot; null when there is none */
  ageSeconds: number | null;
  /** that snapshot's name; null when there is none */
  newest: string | null;
  /** the maxAge that applies to this source */
  maxAgeSeconds?: number;
}

/** An in-scope snapshot seen by an earlier run, now gone, with no delete-result of snapgate's. */
export interface DeletedOutsideFinding {
  region: string;
  name: string;
  arn: string;
  /** RFC 3339: when a run last saw it */
  lastSeen: string;
}

export interface NotificationSpec {
  /** the label in /metrics, logs and the audit log (never the URL) */
  name: string;
  type: "slack" | "webhook";
  url: ValueSource;
  /** the HMAC-SHA256 key of a webhook target (never a literal) */
  secret?: Exclude<ValueSource, { literal: string }>;
  events: readonly NotifyEventKind[];
  /** per attempt */
  timeoutMs: number;
  /** further attempts after the first fails */
  retries: number;
}

export type CalendarUnit = "hourly" | "daily" | "weekly" | "monthly" | "yearly";

/** Bucket counts per calendar unit, in an IANA time zone. */
export interface CalendarSpec {
  timezone: string;
  hourly?: number | "all";
  daily?: number | "all";
  weekly?: number | "all";
  monthly?: number | "all";
  yearly?: number | "all";
}

/** Where a snapshot came from: a block-storage disk or an instance's system disk. */
export type SourceKind = "disk" | "instance";

export interface SnapshotSource {
  kind: SourceKind;
  name: string;
}

/** A rule names exactly one source: `fromDisk` or `fromInstance`. */
export type RetainRule = (
  | { fromDisk: string; fromInstance?: undefined }
  | { fromInstance: string; fromDisk?: undefined }
) & {
  /** keep the N most recent snapshots of that source (by createdAt) */
  newest?: number;
  /** keep snapshots younger than this many milliseconds (measured from now) */
  maxAgeMs?: number;
  /** keep snapshots created within this many milliseconds before the source's newest */
  withinMs?: number;
  /** within as written (`48h`), for keep reasons */
  withinText?: string;
  /** restic-style calendar buckets */
  calendar?: CalendarSpec;
  /** the rule matches only snapshots carrying these tags */
  matchTags?: Tags;
};

export interface SnapshotSet {
  name: string;
  region: string;
  keep: readonly string[];
  retain: readonly RetainRule[];
  /** overrides spec.freshness for the sources this set's retain rules name */
  freshness?: FreshnessOverride;
  /** where the set was declared, for messages */
  file: string;
}

export interface DesiredState {
  name: string;
  spec: ReconcilerSpec;
  sets: readonly SnapshotSet[];
}

// ─── diff and gate ──────────────────────────────────────────────────────────

export type CandidateReason = "not-declared" | "outside-retention";

/** A live, in-scope, undesired, unprotected snapshot that git no longer wants. */
export interface Candidate {
  snapshot: LiveSnapshot;
  reason: CandidateReason;
}

export type BlockKind = "guard" | "policy" | "access" | "protect";

export interface Block {
  kind: BlockKind;
  message: string;
  /**
   * Set when the block is a safety floor (a per-source minimum, the last copy of a deleted
   * source): the snapshot is held on purpose, which compliance does not count as a failure.
   * Names the floor: a guard's setting (`spec.guards.minSnapshotsPerDisk`) or `policy`.
   */
  floor?: string;
  /** Plan-level guards: the setting whose limit the whole plan exceeds, and that limit. */
  knob?: string;
  limit?: number | boolean;
}

/** The gate's verdict on one candidate: a value, never an exception. */
export interface Decision {
  candidate: Candidate;
  blockedBy: readonly Block[];
  warnings: readonly string[];
}

export interface MissingSnapshot {
  region: string;
  name: string;
}

// ─── policy input ─────────────────────────────────────────────────

export interface PolicyInput {
  snapshot: {
    name: string;
    arn: string;
    region: string;
    supportCode?: string;
    createdAt: string;
    sizeInGb: number;
    state: string;
    progress?: string;
    fromDiskName?: string;
    fromDiskArn?: string;
    fromInstanceName?: string;
    isFromAutoSnapshot: boolean;
    tags: Tags;
    ageDays: number;
    reason: CandidateReason;
    /** why the desired state keeps it: always empty for a deletion candidate */
    keepReasons: readonly string[];
  };
  /** the snapshot's source (a disk, or an instance's system disk); null when Lightsail names neither */
  source: SnapshotSource | null;
  disk: { name: string; arn: string; sizeInGb: number; state: string; tags: Tags } | null;
  siblings: {
    /** live snapshots of the same source (disk or instance) in the same region, this one included */
    total: number;
    /** completed snapshots of that source that remain if every candidate of the plan is deleted */
    remainingAfterPlan: number;
    /** name of the newest snapshot of that source */
    newest: string | null;
  };
  plan: { deletions: number; inScope: number; commit: string };
  /**
   * spec.guards: the one source of these limits. A policy may tighten them (its data
   * sets a stricter value) but never loosen them.
   */
  guards: { maxDeletions: number; maxDeletionPercent: number; minSnapshotsPerDisk: number };
  /** RFC 3339: time is passed in, policies never call time.* */
  now: string;
}

export interface PolicyVerdict {
  deny: readonly string[];
  warn: readonly string[];
  /** the denials that are safety floors (absent when none): they block, and hold the snapshot */
  hold?: readonly string[];
}

// ─── plan document (its shape is written once, as the plan file's schema) ─────

export type {
  Plan,
  PlanBlocked,
  PlanDeletion,
  PlanKept,
  PlanSource,
  PlanSummary,
} from "./plan-schema.js";

/** Desired vs live: what diff derives and every later stage reads. */
export interface DiffResult {
  inScope: readonly LiveSnapshot[];
  desired: readonly LiveSnapshot[];
  /** for every desired snapshot, why it stays (in order: keep, then rule by rule) */
  keptReasons: ReadonlyMap<LiveSnapshot, readonly string[]>;
  candidates: readonly Candidate[];
  missing: readonly MissingSnapshot[];
}
