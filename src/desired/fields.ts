/**
 * Field schemas shared by both document kinds: names, regions, durations,
 * tags and repository paths, each with a message that names the bad value.
 */
import { z } from "zod";
import { isResourceName } from "../core/names.js";
import { isLightsailRegion, REGION_NAMES } from "../core/regions.js";
import { DURATION_HINT, parseDuration } from "./duration.js";
import { describeValue, expectedString } from "./messages.js";

const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
const MAX_PATH = 1024;

/** Long user values are cut in messages so one bad line stays one line. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}

export const resourceName = z.string().superRefine((value, ctx) => {
  if (!isResourceName(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(value)} is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)`,
    });
  }
});

function regionProblem(name: string): string | null {
  return isLightsailRegion(name)
    ? null
    : `${quote(name)} is not a Lightsail region (known: ${REGION_NAMES.join(", ")})`;
}

export const region = z.string().superRefine((value, ctx) => {
  const problem = regionProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** `[us-east-1, eu-west-2]`, or `["*"]` for every Lightsail region (expanded here). */
export const regionList = z
  .array(z.string())
  .min(1, 'must list at least one region (or "*" for every region)')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((name, index) => {
      if (name === "*") {
        if (list.length > 1) {
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: '"*" means every region and cannot be combined with other regions',
          });
        }
        return;
      }
      const problem = regionProblem(name);
      if (problem) ctx.addIssue({ code: "custom", path: [index], message: problem });
      else if (seen.has(name)) {
        ctx.addIssue({ code: "custom", path: [index], message: `${quote(name)} is listed twice` });
      }
      seen.add(name);
    });
  })
  .transform((list) => (list.includes("*") ? [...REGION_NAMES] : list));

/** A duration field whose parsed value is `shape(ms, text)`. */
function durationField<T>(shape: (ms: number, text: string) => T) {
  return z
    .string({
      error: (iss) =>
        iss.input === undefined
          ? undefined
          : `${JSON.stringify(iss.input)} is not a duration: ${DURATION_HINT}`,
    })
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({
          code: "custom",
          message: `${quote(text)} is not a duration: ${DURATION_HINT}`,
        });
        return z.NEVER;
      }
      return shape(ms, text);
    });
}

export const duration = durationField((ms) => ms);

/** A duration that remembers how it was written (`48h` stays `48h` in keep reasons). */
export const durationWithText = durationField((ms, text) => ({ ms, text }));

/**
 * Tag maps are checked by hand rather than with z.record: zod skips a record's
 * refinements once any value has the wrong type, and silently drops a
 * `__proto__` key; here every bad entry is reported and nothing is dropped.
 */
function checkTags(raw: unknown, ctx: z.RefinementCtx): Record<string, string> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    ctx.addIssue({
      code: "custom",
      message:
        raw === undefined
          ? "required"
          : `expected a mapping of tag keys to values, got ${describeValue(raw)}`,
    });
    return z.NEVER;
  }
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    const problem =
      key === "__proto__"
        ? 'the tag key "__proto__" is not allowed'
        : key.length === 0 || key.length > MAX_TAG_KEY
          ? `tag key ${quote(key)} must be 1 to ${MAX_TAG_KEY} characters long`
          : typeof value !== "string"
            ? expectedString(value)
            : value.length > MAX_TAG_VALUE
              ? `tag value must be at most ${MAX_TAG_VALUE} characters long (it has ${value.length})`
              : null;
    if (problem) ctx.addIssue({ code: "custom", path: [key], message: problem });
    else tags[key] = value as string;
  }
  return tags;
}

export const tagMap = z.unknown().transform(checkTags);

export function nonEmptyTags(why: string) {
  return tagMap.refine((tags) => Object.keys(tags).length > 0, { message: why });
}

export const tagMatch = z.strictObject({
  matchTags: nonEmptyTags("must name at least one tag (an empty matcher would match everything)"),
});

/** A path inside the repository: relative, forward slashes, no `..`. */
export const repoPath = z.string().superRefine((value, ctx) => {
  const segments = value.split("/");
  const bad =
    value.length === 0 ||
    value.length > MAX_PATH ||
    value.startsWith("/") ||
    value.includes("\\") ||
    value.includes("\0") ||
    segments.includes("..");
  if (bad) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(value)} must be a relative path inside the repository (no leading /, no ..)`,
    });
  }
});
