/**
 * The JSON Schemas for editors: committed, fresh (equal to what the zod schemas generate),
 * referenced from the examples, and in agreement with the loader on the examples and on a
 * misspelt key. `npm run schemas` regenerates them.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { jsonSchemaFiles, SCHEMA_FILES } from "../../src/desired/json-schema.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

type Schema = Record<string, unknown>;

/** The subset of JSON Schema the generated files use; returns the problems found. */
function check(schema: Schema, value: unknown, at = "$"): string[] {
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => check(s, value, at).length === 0);
    return ok ? [] : [`${at}: matches none of anyOf`];
  }
  const problems: string[] = [];
  if ("const" in schema && value !== schema.const) problems.push(`${at}: not ${schema.const}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${at}: not in enum`);
  if (
    typeof schema.pattern === "string" &&
    typeof value === "string" &&
    !new RegExp(schema.pattern, "u").test(value)
  )
    problems.push(`${at}: does not match ${schema.pattern}`);
  if (schema.type === "integer" && !Number.isInteger(value)) problems.push(`${at}: not an integer`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum)
    problems.push(`${at}: below ${schema.minimum}`);
  if (schema.type === "string" && typeof value !== "string") problems.push(`${at}: not a string`);
  if (schema.type === "array") {
    if (!Array.isArray(value)) return [...problems, `${at}: not an array`];
    for (const [i, v] of value.entries())
      problems.push(...check((schema.items ?? {}) as Schema, v, `${at}[${i}]`));
  }
  if (schema.type === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value))
      return [...problems, `${at}: not an object`];
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in value)) problems.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(value)) {
      const sub = props[key];
      if (sub) problems.push(...check(sub, v, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: unknown key`);
      else if (typeof schema.additionalProperties === "object")
        problems.push(...check(schema.additionalProperties as Schema, v, `${at}.${key}`));
    }
  }
  return problems;
}

describe("JSON Schemas for snapgate.yaml and SnapshotSet", () => {
  it("are committed exactly as the zod schemas generate them (run `npm run schemas`)", () => {
    for (const [file, text] of Object.entries(jsonSchemaFiles()))
      expect(read(file), file).toBe(text);
  });

  it("accept every example file, which names its schema for yaml-language-server", () => {
    const examples = [
      ["examples/desired-state/snapgate.yaml", SCHEMA_FILES.reconciler],
      ["examples/desired-state/snapshots/web.yaml", SCHEMA_FILES.snapshotSet],
      ["examples/desired-state/snapshots/db.yaml", SCHEMA_FILES.snapshotSet],
    ] as const;
    for (const [file, schemaFile] of examples) {
      const text = read(file);
      const relative = path.relative(path.dirname(file), schemaFile);
      expect(text.split("\n")[0], file).toBe(`# yaml-language-server: $schema=${relative}`);
      const schema = JSON.parse(read(schemaFile)) as Schema;
      const docs = parseAllDocuments(text).map((d) => d.toJS());
      expect(docs.length, file).toBeGreaterThan(0);
      for (const doc of docs) expect(check(schema, doc), file).toEqual([]);
    }
  });

  it("flag what the loader refuses: a misspelt key, a bad name, a bad duration", () => {
    const reconciler = JSON.parse(read(SCHEMA_FILES.reconciler)) as Schema;
    const set = JSON.parse(read(SCHEMA_FILES.snapshotSet)) as Schema;
    const doc = parse(read("examples/desired-state/snapgate.yaml"));
    doc.spec.gaurds = doc.spec.guards;
    expect(check(reconciler, doc)).toContain("$.spec.gaurds: unknown key");
    const bad = {
      apiVersion: "snapgate.dev/v1",
      kind: "SnapshotSet",
      metadata: { name: "web" },
      spec: {
        region: "us-east-7",
        keep: ["web data"],
        retain: [{ fromDisk: "web-data", maxAge: "90 days", calendar: { daily: 0 } }],
      },
    };
    expect(check(set, bad)).toEqual([
      "$.spec.region: not in enum",
      "$.spec.keep[0]: does not match ^\\w[\\w-]*\\w$",
      "$.spec.retain[0].maxAge: does not match ^[1-9][0-9]{0,8}[mhdw]$",
      "$.spec.retain[0].calendar.daily: matches none of anyOf",
    ]);
  });
});
