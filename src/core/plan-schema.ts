/**
 * The plan document's shape, written once: the schema a plan file is checked
 * against, and (inferred from it) the Plan type every stage builds and reads,
 * so the two can never drift apart.
 */
import { z } from "zod";
import { RESOURCE_NAME } from "./names.js";
import { PLAN_FORMAT_VERSION } from "./plan-format.js";

export { PLAN_FORMAT_VERSION };

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>");
const name = z.string().regex(RESOURCE_NAME, "is not a valid Lightsail resource name");
const tags = z.record(z.string(), z.string());
const reason = z.enum(["not-declared", "outside-retention"]);
const block = z.strictObject({
  kind: z.enum(["guard", "policy", "access", "protect"]),
  message: z.string(),
  floor: z.string().optional(),
  knob: z.string().optional(),
  limit: z.union([z.number(), z.boolean()]).optional(),
});

export const planSchema = z.strictObject({
  formatVersion: z.literal(PLAN_FORMAT_VERSION),
  createdAt: z.iso.datetime(),
  source: z.strictObject({
    repo: z.string().min(1),
    ref: z.string().min(1),
    commit: z.string().regex(/^[0-9a-f]{40,64}$/, "must be a full commit sha"),
    base: z.string().nullable(),
  }),
  account: z.string().regex(/^\d{12}$/),
  regions: z.array(z.string()).readonly(),
  policy: z.strictObject({ bundle: z.string(), digest }),
  summary: z.strictObject({
    live: z.number().int().nonnegative(),
    inScope: z.number().int().nonnegative(),
    desired: z.number().int().nonnegative(),
    deletions: z.number().int().nonnegative(),
    blocked: z.number().int().nonnegative(),
    missing: z.number().int().nonnegative(),
  }),
  /**
   * One line that says what the plan does and, when anything is blocked or missing, why and
   * what to change (the text and markdown renderers end with it). Absent in older plans.
   */
  headline: z.string().optional(),
  deletions: z.array(
    z.strictObject({
      region: z.string(),
      name,
      arn: z
        .string()
        .regex(/^arn:aws[^:]*:lightsail:[a-z0-9-]+:\d{12}:DiskSnapshot\/[A-Za-z0-9-]+$/),
      fromDisk: z.string().nullable(),
      createdAt: z.string(),
      sizeInGb: z.number(),
      tags,
      fingerprint: digest,
      reason,
      warnings: z.array(z.string()),
      /** PR mode only: true when the deletion already followed from the base ref */
      onBase: z.boolean().optional(),
    }),
  ),
  blocked: z.array(
    z.strictObject({
      region: z.string(),
      name: z.string(),
      reason,
      blockedBy: z.array(block),
      arn: z.string().optional(),
      fromDisk: z.string().nullable().optional(),
      createdAt: z.string().optional(),
      sizeInGb: z.number().optional(),
      warnings: z.array(z.string()).optional(),
      onBase: z.boolean().optional(),
    }),
  ),
  /**
   * Blocks of the whole plan (a plan-level guard, a policy's `plan:` denial), listed once:
   * each blocks every entry of `blocked`, whose own `blockedBy` leaves them out. Absent in
   * plans made before it existed.
   */
  planLevel: z.array(block).readonly().optional(),
  missing: z.array(z.strictObject({ region: z.string(), name: z.string() })).readonly(),
  // Optional: plans written before keep reasons existed are still formatVersion 1 and stay readable.
  kept: z
    .array(z.strictObject({ region: z.string(), name: z.string(), reasons: z.array(z.string()) }))
    .optional(),
  digest,
});

export type Plan = z.infer<typeof planSchema>;
export type PlanSource = Plan["source"];
export type PlanSummary = Plan["summary"];
export type PlanDeletion = Plan["deletions"][number];
export type PlanBlocked = Plan["blocked"][number];
/** A desired snapshot and why it stays (the plan's `kept` list). */
export type PlanKept = NonNullable<Plan["kept"]>[number];
