/**
 * The desired state from the repository's files: parse, validate, cross-check,
 * and either return the model or throw one SnapgateError carrying every
 * located issue of every file. Pure: the files are handed in (see read-files.ts).
 */
import { badInput, type InputIssue, type SnapgateError } from "../core/errors.js";
import type {
  CalendarSpec,
  DesiredState,
  FreshnessOverride,
  FreshnessSpec,
  ReconcilerSpec,
  RetainRule,
  SnapshotSet,
} from "../core/model.js";
import { crossCheck } from "./cross-checks.js";
import { type DesiredFile, type Located, reconcilerOf, snapshotSetsOf } from "./documents.js";
import { toNotificationSpec } from "./notifications.js";
import { CALENDAR_UNITS, type ReconcilerDocument, type SnapshotSetDocument } from "./schema.js";

export type { DesiredFile } from "./documents.js";

export interface DesiredFiles {
  /** `snapgate.yaml` (or `.yml`); null when the repository has none */
  reconciler: DesiredFile | null;
  /** every `*.yaml` / `*.yml` under `snapshots/`, in the order sets should be reported */
  snapshotSets: DesiredFile[];
}

export const RECONCILER_FILE = "snapgate.yaml";

export function loadDesiredState(files: DesiredFiles): DesiredState {
  const issues: InputIssue[] = [];
  let reconciler: Located<ReconcilerDocument> | null = null;
  if (files.reconciler) {
    reconciler = reconcilerOf(files.reconciler, issues);
  } else {
    issues.push({
      file: RECONCILER_FILE,
      message: "not found: the repository needs a snapgate.yaml (kind Reconciler) at its root",
    });
  }
  const sets = files.snapshotSets.flatMap((file) => snapshotSetsOf(file, issues));
  issues.push(...crossCheck(reconciler, sets));

  if (issues.length > 0 || !reconciler) {
    const order = [
      files.reconciler?.path ?? RECONCILER_FILE,
      ...files.snapshotSets.map((f) => f.path),
    ];
    throw invalidDesiredState(sortIssues(issues, order));
  }
  return {
    name: reconciler.value.metadata.name,
    spec: toReconcilerSpec(reconciler.value.spec),
    sets: sets.map(toSnapshotSet),
  };
}

/** One error with every issue; `describe()` prints a summary line and one line per issue. */
function invalidDesiredState(issues: InputIssue[]): SnapgateError {
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return badInput(issues, `the desired state has ${count}`);
}

/** Files in the order given, then by position; issues without a line first within their file. */
function sortIssues(issues: InputIssue[], fileOrder: string[]): InputIssue[] {
  const rank = (file: string) => {
    const index = fileOrder.indexOf(file);
    return index === -1 ? fileOrder.length : index;
  };
  return [...issues].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0),
  );
}

/** Own properties only, so a `__proto__` key stays a plain key. */
function tags(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map));
}

function toReconcilerSpec(spec: ReconcilerDocument["spec"]): ReconcilerSpec {
  return {
    account: spec.account,
    regions: spec.regions,
    scope: {
      matchTags: tags(spec.scope.matchTags),
      ...(spec.scope.namePattern !== undefined && { namePattern: spec.scope.namePattern }),
    },
    ...(spec.protect && { protect: { matchTags: tags(spec.protect.matchTags) } }),
    guards: spec.guards,
    policy: spec.policy,
    access: {
      allow: spec.access.allow.map((rule) => ({ matchTags: tags(rule.matchTags) })),
      deny: spec.access.deny.map((rule) => ({ matchTags: tags(rule.matchTags) })),
      ...(spec.access.iamPolicy !== undefined && { iamPolicy: spec.access.iamPolicy }),
    },
    apply: {
      autoApplyBranches: spec.apply.autoApplyBranches,
      maxPlanAgeMs: spec.apply.maxPlanAge,
    },
    suspend: spec.suspend,
    ...(spec.notifications !== undefined && {
      notifications: spec.notifications.map(toNotificationSpec),
    }),
    ...(spec.freshness !== undefined && { freshness: toFreshness(spec.freshness) }),
  };
}

function toFreshness(f: NonNullable<ReconcilerDocument["spec"]["freshness"]>): FreshnessSpec {
  const { disks, instances } = f.sources;
  return {
    ...toWindow(f),
    sources: {
      ...(disks !== undefined && { disks: { matchTags: tags(disks.matchTags) } }),
      ...(instances !== undefined && { instances: { matchTags: tags(instances.matchTags) } }),
    },
  };
}

function toWindow(f: {
  maxAge: { ms: number; text: string };
  warnAge?: { ms: number; text: string };
}): FreshnessOverride {
  return {
    maxAgeMs: f.maxAge.ms,
    maxAgeText: f.maxAge.text,
    ...(f.warnAge !== undefined && { warnAgeMs: f.warnAge.ms, warnAgeText: f.warnAge.text }),
  };
}

function toRetainRule(rule: SnapshotSetDocument["spec"]["retain"][number]): RetainRule {
  // The schema guarantees exactly one source.
  const source =
    rule.fromInstance !== undefined
      ? { fromInstance: rule.fromInstance }
      : { fromDisk: rule.fromDisk as string };
  return {
    ...source,
    ...(rule.newest !== undefined && { newest: rule.newest }),
    ...(rule.maxAge !== undefined && { maxAgeMs: rule.maxAge }),
    ...(rule.within !== undefined && { withinMs: rule.within.ms, withinText: rule.within.text }),
    ...(rule.calendar !== undefined && { calendar: toCalendar(rule.calendar) }),
    ...(rule.matchTags !== undefined && { matchTags: tags(rule.matchTags) }),
  };
}

function toCalendar(
  cal: NonNullable<SnapshotSetDocument["spec"]["retain"][number]["calendar"]>,
): CalendarSpec {
  const out: CalendarSpec = { timezone: cal.timezone };
  for (const unit of CALENDAR_UNITS) {
    const count = cal[unit];
    if (count !== undefined) out[unit] = count;
  }
  return out;
}

function toSnapshotSet(set: Located<SnapshotSetDocument>): SnapshotSet {
  return {
    name: set.value.metadata.name,
    region: set.value.spec.region,
    keep: set.value.spec.keep,
    retain: set.value.spec.retain.map(toRetainRule),
    ...(set.value.spec.freshness !== undefined && {
      freshness: toWindow(set.value.spec.freshness),
    }),
    file: set.file,
  };
}
