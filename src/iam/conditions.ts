/**
 * The Condition block of an IAM statement, with AWS's documented semantics:
 * operators are AND'd, keys within an operator are AND'd, the values listed
 * for one key are OR'd. A key missing from the request makes a positive
 * operator false and a negated one (StringNotEquals, …) true; `IfExists`
 * turns a missing key into true; ForAnyValue over a missing/empty set is
 * false, ForAllValues over one is true.
 */
import type { IamRequest } from "./types.js";
import { matchesWildcard } from "./wildcard.js";

export const BASE_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringLike",
  "StringNotLike",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "Bool",
  "Null",
] as const;

export type BaseOperator = (typeof BASE_OPERATORS)[number];
export type SetQualifier = "ForAnyValue" | "ForAllValues";

export interface ConditionOperator {
  base: BaseOperator;
  qualifier?: SetQualifier;
  ifExists: boolean;
  /** StringNotEquals & co: true when no policy value matches */
  negated: boolean;
}

const NEGATED: ReadonlySet<BaseOperator> = new Set([
  "StringNotEquals",
  "StringNotLike",
  "StringNotEqualsIgnoreCase",
]);

/** `ForAllValues:StringLikeIfExists` → its parts; undefined for anything we do not support. */
export function parseConditionOperator(name: string): ConditionOperator | undefined {
  let rest = name;
  let qualifier: SetQualifier | undefined;
  for (const q of ["ForAnyValue", "ForAllValues"] as const) {
    if (rest.startsWith(`${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists");
  if (ifExists) rest = rest.slice(0, -"IfExists".length);
  const base = BASE_OPERATORS.find((op) => op === rest);
  if (!base) return undefined;
  // AWS rejects NullIfExists, and a set qualifier on Null has no meaning.
  if (base === "Null" && (ifExists || qualifier)) return undefined;
  return { base, qualifier, ifExists, negated: NEGATED.has(base) };
}

/** Policy values of one key as strings (JSON booleans and numbers compare as their text). */
export function conditionValues(raw: unknown): string[] | undefined {
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v === "string") out.push(v);
    else if (typeof v === "boolean" || typeof v === "number") out.push(String(v));
    else return undefined;
  }
  return out;
}

const RESOURCE_TAG = "aws:resourcetag/";
const REQUEST_TAG = "aws:requesttag/";
const TAG_KEYS = "aws:tagkeys";

/**
 * The request's values for a condition key, or undefined when the key is not
 * in the request context. Key names are case-insensitive, the tag-key part
 * included; tag values are compared as they are.
 */
export function contextValues(key: string, request: IamRequest): readonly string[] | undefined {
  const lower = key.toLowerCase();
  if (lower.startsWith(RESOURCE_TAG))
    return tagValues(request.resourceTags, lower.slice(RESOURCE_TAG.length));
  if (lower.startsWith(REQUEST_TAG))
    return tagValues(request.requestTags, lower.slice(REQUEST_TAG.length));
  if (lower === TAG_KEYS) {
    const keys = request.tagKeys ?? (request.requestTags ? Object.keys(request.requestTags) : []);
    return keys.length > 0 ? keys : undefined;
  }
  return undefined;
}

function tagValues(
  tags: Readonly<Record<string, string>> | undefined,
  lowerKey: string,
): string[] | undefined {
  if (!tags) return undefined;
  const values: string[] = [];
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === lowerKey) values.push(v);
  return values.length > 0 ? values : undefined;
}

function baseMatches(op: BaseOperator, policyValue: string, value: string): boolean {
  switch (op) {
    case "StringEquals":
    case "StringNotEquals":
      return policyValue === value;
    case "StringLike":
    case "StringNotLike":
      return matchesWildcard(policyValue, value);
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
    case "Bool":
      return policyValue.toLowerCase() === value.toLowerCase();
    case "Null":
      return false;
  }
}

/** One operator applied to one key. */
export function operatorHolds(
  op: ConditionOperator,
  values: readonly string[] | undefined,
  policyValues: readonly string[],
): boolean {
  const present = values !== undefined && values.length > 0;
  if (op.base === "Null") {
    // "true": the key must be absent; "false": present. Listed values are OR'd.
    return policyValues.some((p) =>
      p.toLowerCase() === "true" ? !present : p.toLowerCase() === "false" && present,
    );
  }
  if (!present) {
    if (op.ifExists) return true;
    if (op.qualifier === "ForAllValues") return true;
    if (op.qualifier === "ForAnyValue") return false;
    return op.negated;
  }
  const matchesAny = (v: string) => policyValues.some((p) => baseMatches(op.base, p, v));
  const valueHolds = (v: string) => (op.negated ? !matchesAny(v) : matchesAny(v));
  switch (op.qualifier) {
    case "ForAnyValue":
      return values.some(valueHolds);
    case "ForAllValues":
      return values.every(valueHolds);
    default: {
      const any = values.some(matchesAny);
      return op.negated ? !any : any;
    }
  }
}

/**
 * Whether a statement's Condition block holds for the request; "invalid"
 * when it uses an operator or value we cannot evaluate, so the caller can
 * fail closed (an Allow does not apply, a Deny does).
 */
export function conditionHolds(condition: unknown, request: IamRequest): boolean | "invalid" {
  if (condition === undefined) return true;
  if (!isPlainObject(condition)) return "invalid";
  let holds = true;
  for (const [opName, block] of Object.entries(condition)) {
    const op = parseConditionOperator(opName);
    if (!op || !isPlainObject(block)) return "invalid";
    for (const [key, raw] of Object.entries(block)) {
      const policyValues = conditionValues(raw);
      if (!policyValues) return "invalid";
      if (!operatorHolds(op, contextValues(key, request), policyValues)) holds = false;
    }
  }
  return holds;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
