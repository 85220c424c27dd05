/**
 * The zod schemas of the two document kinds. Every object is strict,
 * so an unknown or misspelt key is an error rather than a silently ignored
 * setting. Defaults when a field is left out:
 *
 *   Reconciler spec
 *     scope             REQUIRED, with at least one matchTags entry: the ownership scope is
 *                       what keeps snapgate away from snapshots it does not own
 *     scope.namePattern none (every name)
 *     protect           none
 *     guards            { maxDeletions: 50, maxDeletionPercent: 25, minSnapshotsPerDisk: 1,
 *                         allowEmpty: false }  (each field defaults on its own)
 *     policy            { bundle: "builtin", data: {} }
 *     access            { allow: [], deny: [] }, no iamPolicy
 *     apply             { autoApplyBranches: [], maxPlanAge: 1h }
 *     suspend           false
 *     notifications     none (see notifications.ts: secrets come from host files or env)
 *     freshness         none (no freshness or coverage check); when given: maxAge REQUIRED,
 *                       warnAge none (shorter than maxAge), sources { disks, instances } each
 *                       { matchTags } and optional
 *   SnapshotSet spec
 *     keep              []
 *     retain            []
 *     freshness         none; { maxAge, warnAge } for the sources the set's retain rules name
 *   retain rule         exactly one of fromDisk/fromInstance; at least one of newest, maxAge,
 *                       within, calendar; matchTags none
 *   calendar            timezone UTC; at least one unit (hourly … yearly), each N >= 1 or "all"
 */
import { z } from "zod";
import { namePatternProblem } from "../core/name-pattern.js";
import { ACCOUNT_ID } from "../core/names.js";
import { protoKeyPath } from "../core/unsafe-keys.js";
import {
  duration,
  durationWithText,
  nonEmptyTags,
  quote,
  region,
  regionList,
  repoPath,
  resourceName,
  tagMap,
  tagMatch,
} from "./fields.js";
import { describeValue } from "./messages.js";
import { notifications } from "./notifications.js";
import { timeZoneProblem } from "./timezone.js";

export const API_VERSION = "snapgate.dev/v1";

export const GUARD_DEFAULTS = {
  maxDeletions: 50,
  maxDeletionPercent: 25,
  minSnapshotsPerDisk: 1,
  allowEmpty: false,
} as const;

export const DEFAULT_MAX_PLAN_AGE_MS = 3_600_000;

const SCOPE_WHY =
  "the ownership scope is what keeps snapgate away from snapshots it does not own; " +
  "without at least one tag every snapshot in the account would be in scope";

const scope = z.strictObject(
  {
    matchTags: nonEmptyTags(`must name at least one tag: ${SCOPE_WHY}`),
    namePattern: z
      .string()
      .superRefine((value, ctx) => {
        const problem = namePatternProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .optional(),
  },
  { error: (iss) => (iss.input === undefined ? `required: ${SCOPE_WHY}` : undefined) },
);

const guards = z
  .strictObject({
    maxDeletions: z.int().min(0).default(GUARD_DEFAULTS.maxDeletions),
    maxDeletionPercent: z.number().min(0).max(100).default(GUARD_DEFAULTS.maxDeletionPercent),
    minSnapshotsPerDisk: z.int().min(0).default(GUARD_DEFAULTS.minSnapshotsPerDisk),
    allowEmpty: z.boolean().default(GUARD_DEFAULTS.allowEmpty),
  })
  .default({ ...GUARD_DEFAULTS });

const policy = z
  .strictObject({
    bundle: z
      .string()
      .superRefine((value, ctx) => {
        if (value === "builtin") return;
        const parsed = repoPath.safeParse(value);
        if (!parsed.success) {
          ctx.addIssue({
            code: "custom",
            message: `must be "builtin" or a relative path inside the repository, not ${quote(value)}`,
          });
        }
      })
      .default("builtin"),
    data: z
      // checked on the input: zod's record assigns keys, so a `__proto__` key would vanish
      .preprocess(
        (raw, ctx) => {
          const path = protoKeyPath(raw);
          if (path) {
            ctx.addIssue({ code: "custom", path, message: 'the key "__proto__" is not allowed' });
          }
          return raw;
        },
        z.record(z.string(), z.unknown()),
      )
      .default({}),
  })
  .default({ bundle: "builtin", data: {} });

const access = z
  .strictObject({
    allow: z.array(tagMatch).default([]),
    deny: z.array(tagMatch).default([]),
    iamPolicy: repoPath.optional(),
  })
  .default({ allow: [], deny: [] });

const branchName = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters long")
  .regex(/^\S*$/, "must not contain whitespace");

const apply = z
  .strictObject({
    autoApplyBranches: z.array(branchName).default([]),
    maxPlanAge: duration.default(DEFAULT_MAX_PLAN_AGE_MS),
  })
  .default({ autoApplyBranches: [], maxPlanAge: DEFAULT_MAX_PLAN_AGE_MS });

/** `warnAge` must be shorter than `maxAge`, or it could never report anything. */
function checkWarnBelowMax(
  f: { maxAge: { ms: number }; warnAge?: { ms: number; text: string } },
  ctx: z.RefinementCtx,
): void {
  if (f.warnAge !== undefined && f.warnAge.ms >= f.maxAge.ms) {
    ctx.addIssue({
      code: "custom",
      path: ["warnAge"],
      message: `warnAge (${f.warnAge.text}) must be shorter than maxAge`,
    });
  }
}

const freshnessSources = z
  .strictObject({ disks: tagMatch.optional(), instances: tagMatch.optional() })
  .default({});

/** spec.freshness: the backup window, and which live disks and instances must be covered. */
const freshness = z
  .strictObject({
    maxAge: durationWithText,
    warnAge: durationWithText.optional(),
    sources: freshnessSources,
  })
  .superRefine(checkWarnBelowMax);

/** A SnapshotSet's spec.freshness: a window for the sources its retain rules name. */
const setFreshness = z
  .strictObject({ maxAge: durationWithText, warnAge: durationWithText.optional() })
  .superRefine(checkWarnBelowMax);

const account = z.string().regex(ACCOUNT_ID, 'must be 12 digits, quoted (e.g. "111122223333")');

const reconcilerSpec = z.strictObject({
  account,
  regions: regionList,
  scope,
  protect: tagMatch.optional(),
  guards,
  policy,
  access,
  apply,
  suspend: z.boolean().default(false),
  notifications,
  freshness: freshness.optional(),
});

export const CALENDAR_UNITS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;

/** A bucket count: a positive whole number or "all" (checked by hand for one clear message). */
const bucketCount = z.unknown().transform((raw, ctx): number | "all" => {
  if (raw === "all" || (Number.isSafeInteger(raw) && (raw as number) >= 1)) {
    return raw as number | "all";
  }
  ctx.addIssue({
    code: "custom",
    message: `must be a positive whole number or "all", not ${describeValue(raw)}`,
  });
  return z.NEVER;
});

const timezone = z.string().superRefine((value, ctx) => {
  const problem = timeZoneProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const calendar = z
  .strictObject({
    timezone: timezone.default("UTC"),
    hourly: bucketCount.optional(),
    daily: bucketCount.optional(),
    weekly: bucketCount.optional(),
    monthly: bucketCount.optional(),
    yearly: bucketCount.optional(),
  })
  .superRefine((cal, ctx) => {
    if (CALENDAR_UNITS.every((unit) => cal[unit] === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: `a calendar needs at least one of ${CALENDAR_UNITS.join(", ")}`,
      });
    }
  });

const retainRule = z
  .strictObject({
    fromDisk: resourceName.optional(),
    fromInstance: resourceName.optional(),
    newest: z.int().min(1).optional(),
    maxAge: duration.optional(),
    within: durationWithText.optional(),
    calendar: calendar.optional(),
    matchTags: tagMap.optional(),
  })
  .superRefine((rule, ctx) => {
    if ((rule.fromDisk === undefined) === (rule.fromInstance === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          rule.fromDisk === undefined
            ? "a retain rule needs its source: fromDisk or fromInstance"
            : "a retain rule names one source: fromDisk or fromInstance, not both",
      });
    }
    if (
      rule.newest === undefined &&
      rule.maxAge === undefined &&
      rule.within === undefined &&
      rule.calendar === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        message: "a retain rule needs newest, maxAge, within or calendar",
      });
    }
  });

const snapshotSetSpec = z
  .strictObject({
    region,
    keep: z.array(resourceName).default([]),
    retain: z.array(retainRule).default([]),
    freshness: setFreshness.optional(),
  })
  .superRefine((set, ctx) => {
    if (set.freshness !== undefined && set.retain.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["freshness"],
        message:
          "freshness applies to the sources this set's retain rules name (fromDisk/fromInstance), and it has no retain rule",
      });
    }
  });

const apiVersion = z.literal(API_VERSION, {
  error: (iss) =>
    iss.input === undefined
      ? undefined
      : `must be "${API_VERSION}", not ${JSON.stringify(iss.input)}`,
});

const metadata = z.strictObject({ name: resourceName });

export const reconcilerDocument = z.strictObject({
  apiVersion,
  kind: z.literal("Reconciler"),
  metadata,
  spec: reconcilerSpec,
});

export const snapshotSetDocument = z.strictObject({
  apiVersion,
  kind: z.literal("SnapshotSet"),
  metadata,
  spec: snapshotSetSpec,
});

export type ReconcilerDocument = z.output<typeof reconcilerDocument>;
export type SnapshotSetDocument = z.output<typeof snapshotSetDocument>;

export { apiVersion as apiVersionSchema };
