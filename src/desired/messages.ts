/**
 * Messages for zod's generic issues, worded for someone editing YAML
 * ("expected a list, got a mapping") rather than for a TypeScript developer.
 * Passed per parse, never installed globally.
 */
import type { z } from "zod";

const KIND_NAMES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
    case "number":
      return `the number ${value}`;
    case "boolean":
      return `${value}`;
    case "object":
      return "a mapping";
    default:
      return typeof value;
  }
}

/** `expected a string, got the number 1 (quote it: "1")` */
export function expectedString(value: unknown): string {
  const hint =
    typeof value === "number" || typeof value === "boolean"
      ? ` (quote it: "${String(value)}")`
      : "";
  return `expected a string, got ${describeValue(value)}${hint}`;
}

export const yamlErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type": {
      if (iss.input === undefined) return "required";
      const expected = KIND_NAMES[iss.expected] ?? iss.expected;
      if ((iss.expected === "int" || iss.expected === "number") && typeof iss.input === "number") {
        return `expected ${expected}, got ${iss.input}`;
      }
      const hint =
        iss.expected === "string" &&
        (typeof iss.input === "number" || typeof iss.input === "boolean")
          ? ` (quote it: "${String(iss.input)}")`
          : "";
      return `expected ${expected}, got ${describeValue(iss.input)}${hint}`;
    }
    case "too_small":
      if (iss.origin === "number" || iss.origin === "int") {
        return `must be ${iss.inclusive ? "at least" : "greater than"} ${iss.minimum}`;
      }
      return undefined;
    case "too_big":
      if (iss.origin === "number" || iss.origin === "int") {
        return `must be ${iss.inclusive ? "at most" : "less than"} ${iss.maximum}`;
      }
      return undefined;
    case "invalid_value":
      return `must be ${iss.values.map((v) => JSON.stringify(v)).join(" or ")}, not ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
};
