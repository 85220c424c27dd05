/**
 * JSON Schemas of snapgate.yaml (kind Reconciler) and SnapshotSet files, for editors
 * (yaml-language-server): generated from the zod schemas the loader uses, so they cannot
 * drift apart (scripts/generate-schemas.mjs writes them; a test fails when they are stale).
 *
 * zod renders a field checked by hand (a refinement or a transform) as "any"; the override
 * below gives those fields the shape a user writes. The loader stays the authority: its
 * messages are located and say more than an editor can.
 */
import { z } from "zod";
import { REGION_NAMES } from "../core/regions.js";
import { DURATION_HINT } from "./duration.js";
import { duration, durationWithText, region, regionList, resourceName } from "./fields.js";
import { CALENDAR_UNITS, reconcilerDocument, snapshotSetDocument } from "./schema.js";

type JsonSchema = Record<string, unknown>;

const RESOURCE_NAME_PATTERN = "^\\w[\\w-]*\\w$";
const DURATION_PATTERN = "^[1-9][0-9]{0,8}[mhdw]$";
const TAG_MAP: JsonSchema = {
  type: "object",
  description: 'tag key → value; "*" as the value matches any value',
  additionalProperties: { type: "string", maxLength: 256 },
  propertyNames: { minLength: 1, maxLength: 128 },
};

export const SCHEMA_FILES = {
  reconciler: "schemas/snapgate.schema.json",
  snapshotSet: "schemas/snapshotset.schema.json",
} as const;

function replace(target: JsonSchema, next: JsonSchema): void {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, next);
}

function render(schema: z.ZodType, title: string): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const s = ctx.zodSchema as unknown;
      const last = ctx.path[ctx.path.length - 1];
      const js = ctx.jsonSchema as JsonSchema;
      if (s === resourceName) {
        replace(js, { type: "string", pattern: RESOURCE_NAME_PATTERN });
      } else if (s === region) {
        replace(js, { type: "string", enum: [...REGION_NAMES] });
      } else if (s === regionList) {
        replace(js, {
          type: "array",
          minItems: 1,
          uniqueItems: true,
          description: 'Lightsail regions, or ["*"] for every region',
          items: { type: "string", enum: [...REGION_NAMES, "*"] },
        });
      } else if (s === duration || s === durationWithText) {
        replace(js, { type: "string", pattern: DURATION_PATTERN, description: DURATION_HINT });
      } else if (last === "matchTags" && Object.keys(js).length === 0) {
        replace(js, { ...TAG_MAP });
      } else if (
        typeof last === "string" &&
        (CALENDAR_UNITS as readonly string[]).includes(last) &&
        Object.keys(js).length === 0
      ) {
        replace(js, {
          description: 'calendar buckets to keep: a positive whole number, or "all"',
          anyOf: [
            { type: "integer", minimum: 1 },
            { type: "string", const: "all" },
          ],
        });
      }
    },
  }) as JsonSchema;
  return { $schema: json.$schema, title, ...json };
}

/** File path → content, exactly as committed. */
export function jsonSchemaFiles(): Record<string, string> {
  const files = {
    [SCHEMA_FILES.reconciler]: render(
      reconcilerDocument,
      "snapgate.yaml (apiVersion snapgate.dev/v1, kind Reconciler)",
    ),
    [SCHEMA_FILES.snapshotSet]: render(
      snapshotSetDocument,
      "snapshots/*.yaml (apiVersion snapgate.dev/v1, kind SnapshotSet)",
    ),
  };
  return Object.fromEntries(
    Object.entries(files).map(([file, schema]) => [file, `${JSON.stringify(schema, null, 2)}\n`]),
  );
}
