/**
 * The fleet seed as a zod schema: account, principals with their IAM
 * policies, regions with disks and snapshots, and optional faults.
 */
import { z } from "zod";
import { ACCOUNT_ID, RESOURCE_NAME } from "../core/names.js";
import { isLightsailRegion } from "../core/regions.js";
import { ERROR_STATUS } from "./protocol.js";
import { tagProblems } from "./validate.js";

const resourceName = z.string({ error: "must be a string" }).regex(RESOURCE_NAME, {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)`,
});

const AGE_UNITS_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "-3d": an age relative to when the seed is loaded, so example fleets never go stale. */
function relativeAge(v: string): number | undefined {
  const m = /^-(\d{1,6})([smhdw])$/.exec(v);
  return m ? Date.now() - Number(m[1]) * AGE_UNITS_MS[m[2]!]! : undefined;
}

const timestamp = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : (relativeAge(v) ?? Date.parse(v));
  if (Number.isNaN(ms)) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(v)} is not an RFC 3339 timestamp or an age like "-3d"`,
    });
    return z.NEVER;
  }
  return ms;
});

const tags = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .superRefine((t, ctx) => {
    for (const problem of tagProblems(t)) ctx.addIssue({ code: "custom", message: problem });
  });

const stringOrList = z.union([z.string(), z.array(z.string())]);

const statement = z.strictObject({
  Sid: z.string().optional(),
  Effect: z.enum(["Allow", "Deny"]),
  Action: stringOrList.optional(),
  NotAction: stringOrList.optional(),
  Resource: stringOrList.optional(),
  NotResource: stringOrList.optional(),
  Condition: z
    .record(
      z.string(),
      z.record(z.string(), z.union([z.string(), z.array(z.string()), z.boolean()])),
    )
    .optional(),
});

const policy = z.strictObject({
  Version: z.string().optional(),
  Statement: z.union([statement, z.array(statement)]),
});

const principal = z.strictObject({
  accessKeyId: z
    .string()
    .min(1)
    .refine((k) => k !== "test", { error: 'the access key "test" is built in' }),
  secretAccessKey: z.string().min(1),
  policy,
});

const disk = z.strictObject({
  name: resourceName,
  sizeInGb: z.number().int().positive().default(8),
  tags: tags.default({}),
  createdAt: timestamp.optional(),
  state: z.enum(["pending", "error", "available", "in-use", "unknown"]).optional(),
  attachedTo: resourceName.optional(),
  path: z.string().optional(),
  isSystemDisk: z.boolean().default(false),
  iops: z.number().int().positive().default(100),
});

/** An instance: served by GetInstances, and the source of its system-disk snapshots. */
const instance = z.strictObject({
  name: resourceName,
  tags: tags.default({}),
  createdAt: timestamp.optional(),
  state: z
    .enum(["pending", "running", "shutting-down", "terminated", "stopping", "stopped"])
    .default("running"),
  blueprintId: z.string().min(1).default("amazon_linux_2023"),
  bundleId: z.string().min(1).default("nano_3_0"),
  systemDiskSizeInGb: z.number().int().positive().default(20),
});

const snapshot = z
  .strictObject({
    name: resourceName,
    fromDisk: resourceName.optional(),
    /** a snapshot of an instance's system disk: Lightsail sets fromInstanceName, no fromDiskName */
    fromInstance: resourceName.optional(),
    createdAt: timestamp.optional(),
    sizeInGb: z.number().int().positive().optional(),
    state: z.enum(["pending", "completed", "error", "unknown"]).default("completed"),
    progress: z.string().optional(),
    tags: tags.default({}),
    isFromAutoSnapshot: z.boolean().default(false),
  })
  .refine((s) => s.fromDisk === undefined || s.fromInstance === undefined, {
    message: "a snapshot comes from a disk or from an instance, not both",
  });

const uniqueNames = (kind: string) => (items: { name: string }[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name))
      ctx.addIssue({
        code: "custom",
        path: [i, "name"],
        message: `duplicate ${kind} name "${item.name}"`,
      });
    seen.add(item.name);
  });
};

const region = z.strictObject({
  disks: z.array(disk).default([]).superRefine(uniqueNames("disk")),
  instances: z.array(instance).default([]).superRefine(uniqueNames("instance")),
  snapshots: z.array(snapshot).default([]).superRefine(uniqueNames("snapshot")),
});

const exceptionName = z.enum(
  Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]],
);

const faults = z.strictObject({
  latencyMs: z.number().nonnegative().optional(),
  jitterMs: z.number().nonnegative().optional(),
  ratePerSecond: z.number().positive().optional(),
  burst: z.number().int().positive().optional(),
  serviceErrorRate: z.number().min(0).max(1).optional(),
  accountSetupInProgress: z.boolean().optional(),
  randomSeed: z.number().int().optional(),
  scripted: z
    .array(
      z.strictObject({
        operation: z.string().optional(),
        snapshotName: z.string().optional(),
        exception: exceptionName,
        count: z.number().int().positive().optional(),
        message: z.string().optional(),
      }),
    )
    .optional(),
  failDeleteOperations: z
    .array(
      z.strictObject({
        name: resourceName,
        region: z.string().optional(),
        errorCode: z.string().optional(),
        errorDetails: z.string().optional(),
        count: z.number().int().positive().optional(),
      }),
    )
    .optional(),
});

export const fleetSchema = z
  .strictObject({
    account: z
      .union([z.string(), z.number()])
      .transform(String)
      .refine((a) => ACCOUNT_ID.test(a), {
        error: "must be a 12-digit AWS account id (quote it in YAML)",
      })
      .default("111122223333"),
    principals: z.array(principal).default([]),
    regions: z.record(z.string(), region).default({}),
    faults: faults.optional(),
  })
  .superRefine((fleet, ctx) => {
    for (const name of Object.keys(fleet.regions)) {
      if (!isLightsailRegion(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["regions", name],
          message: `"${name}" is not a Lightsail region`,
        });
      }
    }
    const keys = new Set<string>();
    fleet.principals.forEach((p, i) => {
      if (keys.has(p.accessKeyId)) {
        ctx.addIssue({
          code: "custom",
          path: ["principals", i, "accessKeyId"],
          message: `duplicate access key "${p.accessKeyId}"`,
        });
      }
      keys.add(p.accessKeyId);
    });
  });

export type FleetSeed = z.output<typeof fleetSchema>;
/** What a caller may hand in programmatically (defaults filled by the schema). */
export type FleetSeedInput = z.input<typeof fleetSchema>;
