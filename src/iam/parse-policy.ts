/**
 * Reads an IAM identity-policy document (JSON) and checks it the way IAM
 * would before accepting it, so a typo can never silently change what the
 * policy means: unknown fields, an Effect other than Allow/Deny, a condition
 * operator we do not evaluate, Action and NotAction together, and so on are
 * all errors, reported as `file:line:col: field: message`.
 */
import { z } from "zod";
import { badInput, type InputIssue } from "../core/errors.js";
import { parseLocatedJson } from "../core/json-located.js";
import {
  fieldPath,
  type LocatedDocument,
  type PathSegment,
  zodIssues,
} from "../core/yaml-located.js";
import { conditionValues, parseConditionOperator } from "./conditions.js";
import type { IamPolicyDocument, IamStatement } from "./types.js";

/** IAM's own limit for managed policies is 6,144 characters; this is only a guard against junk. */
const MAX_POLICY_BYTES = 128 * 1024;

const ACTION = /^(?:\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
/** IAM would substitute these (2012-10-17); we do not, so refuse rather than compare them literally. */
const POLICY_VARIABLES_UNSUPPORTED = "policy variables ($" + "{...}) are not supported";
const RESOURCE = /^(?:\*|arn:[^\s]+)$/;

const documentSchema = z.strictObject({
  Version: z.enum(["2012-10-17", "2008-10-17"]).optional(),
  Id: z.string().optional(),
  Statement: z.unknown().optional(),
});

const statementSchema = z.strictObject({
  Sid: z
    .string()
    .regex(/^[A-Za-z0-9]+$/, "a Sid may contain only letters and digits")
    .optional(),
  Effect: z.enum(["Allow", "Deny"], { message: 'must be "Allow" or "Deny"' }),
  Action: z.unknown().optional(),
  NotAction: z.unknown().optional(),
  Resource: z.unknown().optional(),
  NotResource: z.unknown().optional(),
  Condition: z.unknown().optional(),
});

export function parseIamPolicy(file: string, text: string): IamPolicyDocument {
  if (text.length > MAX_POLICY_BYTES) {
    throw badInput([
      { file, line: 1, col: 1, message: `policy document larger than ${MAX_POLICY_BYTES} bytes` },
    ]);
  }
  const parsed = parseLocatedJson(text.replace(/^\uFEFF/, ""));
  if (!parsed.ok)
    throw badInput([{ file, line: parsed.line, col: parsed.col, message: parsed.message }]);
  const doc: LocatedDocument = { index: 0, value: parsed.json.value, locate: parsed.json.locate };
  const issues: InputIssue[] = [];
  const at: Report = (path, message, key = false) =>
    issues.push({ file, ...doc.locate(path, key), field: fieldPath(path) || undefined, message });

  const top = documentSchema.safeParse(doc.value);
  if (!top.success) throw badInput(zodIssues(file, doc, top.error));

  const raw = top.data.Statement;
  const list: [unknown, PathSegment[]][] = Array.isArray(raw)
    ? raw.map((s, i) => [s, ["Statement", i]])
    : raw === undefined
      ? []
      : [[raw, ["Statement"]]];
  if (raw === undefined) at([], 'missing field "Statement"');
  else if (Array.isArray(raw) && raw.length === 0)
    at(["Statement"], "must contain at least one statement");

  const statements: IamStatement[] = [];
  const sids = new Set<string>();
  for (const [value, path] of list) {
    const result = statementSchema.safeParse(value);
    if (!result.success) {
      issues.push(...zodIssues(file, doc, result.error, path));
      continue;
    }
    const s = result.data;
    if (s.Sid !== undefined) {
      if (sids.has(s.Sid))
        at([...path, "Sid"], `duplicate Sid "${s.Sid}": Sids must be unique within a policy`);
      sids.add(s.Sid);
    }
    const action = pairOf(
      s,
      "Action",
      "NotAction",
      path,
      ACTION,
      "an action like lightsail:DeleteDiskSnapshot or *",
      at,
    );
    const resource = pairOf(s, "Resource", "NotResource", path, RESOURCE, 'an ARN or "*"', at);
    const condition = checkCondition(s.Condition, [...path, "Condition"], at);
    statements.push({
      ...(s.Sid !== undefined ? { Sid: s.Sid } : {}),
      Effect: s.Effect,
      ...action,
      ...resource,
      ...(condition ? { Condition: condition } : {}),
    });
  }
  if (issues.length > 0) throw badInput(issues);
  return {
    ...(top.data.Version ? { Version: top.data.Version } : {}),
    Statement: Array.isArray(raw) ? statements : (statements[0] as IamStatement),
  };
}

/** Record an issue at the value at `path` (or at its key, for a misnamed key). */
type Report = (path: readonly PathSegment[], message: string, key?: boolean) => void;

/** Exactly one of `X` / `NotX`, a string or a non-empty list of strings matching `pattern`. */
function pairOf<K extends "Action" | "Resource">(
  s: Record<string, unknown>,
  positive: K,
  negative: `Not${K}`,
  path: readonly PathSegment[],
  pattern: RegExp,
  expected: string,
  at: Report,
): Partial<Record<K | `Not${K}`, string | string[]>> {
  const hasPos = s[positive] !== undefined;
  const hasNeg = s[negative] !== undefined;
  if (hasPos === hasNeg) {
    at(
      path,
      hasPos
        ? `use either ${positive} or ${negative}, not both`
        : `missing field "${positive}" (or "${negative}")`,
    );
    return {};
  }
  const name = hasPos ? positive : negative;
  const value = s[name];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    at([...path, name], "must be a string or a non-empty list of strings");
    return {};
  }
  list.forEach((item, i) => {
    const itemPath = typeof value === "string" ? [...path, name] : [...path, name, i];
    if (typeof item !== "string") at(itemPath, "must be a string");
    else if (item.includes("${")) at(itemPath, POLICY_VARIABLES_UNSUPPORTED);
    else if (!pattern.test(item)) at(itemPath, `${JSON.stringify(item)} is not ${expected}`);
  });
  return { [name]: value } as Partial<Record<K | `Not${K}`, string | string[]>>;
}

function checkCondition(
  raw: unknown,
  path: readonly PathSegment[],
  at: Report,
): IamStatement["Condition"] {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    at(path, "must be an object of condition operators");
    return undefined;
  }
  const out: NonNullable<IamStatement["Condition"]> = {};
  for (const [opName, block] of Object.entries(raw)) {
    const opPath = [...path, opName];
    const op = parseConditionOperator(opName);
    if (!op) {
      at(
        opPath,
        `unsupported condition operator "${opName}" (supported: String[Not]Equals[IgnoreCase], String[Not]Like, Bool, Null, with ForAnyValue:/ForAllValues: and IfExists)`,
        true,
      );
      continue;
    }
    if (!isObject(block) || Object.keys(block).length === 0) {
      at(opPath, "must be a non-empty object of condition keys");
      continue;
    }
    const keys: Record<string, string | string[] | boolean> = {};
    for (const [key, value] of Object.entries(block)) {
      const keyPath = [...opPath, key];
      const values = conditionValues(value);
      if (!/^[A-Za-z0-9-]+:[^\s].*$/.test(key))
        at(keyPath, `"${key}" is not a condition key (like aws:ResourceTag/team)`, true);
      else if (!values) at(keyPath, "must be a string, boolean, number or a list of them");
      else if (values.some((v) => v.includes("${"))) at(keyPath, POLICY_VARIABLES_UNSUPPORTED);
      else if (
        (op.base === "Null" || op.base === "Bool") &&
        values.some((v) => !/^(?:true|false)$/i.test(v))
      )
        at(keyPath, `${op.base} takes "true" or "false"`);
      else
        keys[key] =
          typeof value === "boolean"
            ? value
            : Array.isArray(value)
              ? values
              : (values[0] as string);
    }
    out[opName] = keys;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
