/**
 * The plain data types the pipeline stages pass to each other. Defined once,
 * here; no stage reaches into another's internals.
 *
 *   source ─► desired ─┐
 *   inventory ─────────┴► diff ─► gate (guards → policy → access) ─► plan ─► apply ─► audit
 */

export type Tags = Readonly<Record<string, string>>;

export type SnapshotState = "pending" | "completed" | "error" | "unknown";

/** A disk snapshot as listed from Lightsail, normalised (tags as an object, ISO times). */
export interface LiveSnapshot {
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
  fromDiskName?: string;
  fromDiskArn?: string;
  fromInstanceName?: string;
  fromInstanceArn?: string;
  isFromAutoSnapshot: boolean;
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
  /** RFC 3339: time is passed in, policies never call time.* */
  now: string;
}

export interface PolicyVerdict {
  deny: readonly string[];
  warn: readonly string[];
}

// ─── plan document ────────────────────────────────────────────────

export interface PlanSource {
  repo: string;
  ref: string;
  commit: string;
  base: string | null;
}

export interface PlanDeletion {
  region: string;
  name: string;
  arn: string;
  fromDisk: string | null;
  createdAt: string;
  sizeInGb: number;
  tags: Tags;
  fingerprint: string;
  reason: CandidateReason;
  warnings: readonly string[];
  /** PR mode only: true when the deletion already followed from the base ref */
  onBase?: boolean;
}

export interface PlanBlocked {
  region: string;
  name: string;
  reason: CandidateReason;
  blockedBy: readonly Block[];
  /** for review only (beyond the plan format's minimum): what the snapshot is */
  arn?: string;
  fromDisk?: string | null;
  createdAt?: string;
  sizeInGb?: number;
  warnings?: readonly string[];
  onBase?: boolean;
}

/** A desired snapshot and why it stays (the plan's `kept` list). */
export interface PlanKept {
  region: string;
  name: string;
  reasons: readonly string[];
}

export interface PlanSummary {
  live: number;
  inScope: number;
  desired: number;
  deletions: number;
  blocked: number;
  missing: number;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string;
  source: PlanSource;
  account: string;
  regions: readonly string[];
  policy: { bundle: string; digest: string };
  summary: PlanSummary;
  deletions: readonly PlanDeletion[];
  blocked: readonly PlanBlocked[];
  missing: readonly MissingSnapshot[];
  /** every desired snapshot with its reasons; absent in plans made before it existed */
  kept?: readonly PlanKept[];
  digest: string;
}

/** Desired vs live: what diff derives and every later stage reads. */
export interface DiffResult {
  inScope: readonly LiveSnapshot[];
  desired: readonly LiveSnapshot[];
  /** for every desired snapshot, why it stays (in order: keep, then rule by rule) */
  keptReasons: ReadonlyMap<LiveSnapshot, readonly string[]>;
  candidates: readonly Candidate[];
  missing: readonly MissingSnapshot[];
}
