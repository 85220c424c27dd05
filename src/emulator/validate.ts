/**
 * Request validation the SDKs do not do: required members, resource-name
 * patterns and tag limits all answer InvalidInputException.
 */
import { isResourceName } from "../core/names.js";
import { invalidInput } from "./protocol.js";
import type { Tags } from "./records.js";

export const MAX_TAGS = 50;
const MAX_KEY = 128;
const MAX_VALUE = 256;
/** Letters, numbers, the space (not tabs or newlines) and + - = . _ : / @, as Lightsail documents. */
const TAG_CHARS = /^[\p{L}\p{N} +\-=._:/@]*$/u;
/** Lightsail names are 2 to 255 characters. */
export const MAX_NAME = 255;

export type Input = Record<string, unknown>;

export function requireString(input: Input, field: string): string {
  const v = input[field];
  if (v === undefined || v === null) throw invalidInput(`${field} is required.`);
  if (typeof v !== "string" || v.trim() === "")
    throw invalidInput(`${field} must be a non-empty string.`);
  return v;
}

export function optionalString(input: Input, field: string): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidInput(`${field} must be a string.`);
  return v;
}

export function checkName(field: string, value: string): string {
  if (value.length > MAX_NAME) {
    throw invalidInput(
      `${field} is ${value.length} characters long; a resource name has at most ${MAX_NAME}.`,
    );
  }
  if (!isResourceName(value)) {
    throw invalidInput(
      `${field} "${value}" is not a valid resource name: it must match \\w[\\w\\-]*\\w.`,
    );
  }
  return value;
}

export function requireName(input: Input, field: string): string {
  return checkName(field, requireString(input, field));
}

export function optionalName(input: Input, field: string): string | undefined {
  const v = optionalString(input, field);
  return v === undefined ? undefined : checkName(field, v);
}

/** Problems with a tag set as a whole (also used by the seed schema). */
export function tagProblems(tags: Readonly<Tags>): string[] {
  const out: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS)
    out.push(`at most ${MAX_TAGS} tags per resource (got ${entries.length})`);
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_KEY)
      out.push(`tag key "${key.slice(0, 40)}" must be 1 to ${MAX_KEY} characters`);
    else if (/^aws:/i.test(key)) out.push(`tag key "${key}" uses the reserved prefix aws:`);
    else if (key === "__proto__") out.push('the tag key "__proto__" is not allowed');
    else if (!TAG_CHARS.test(key))
      out.push(
        `tag key "${key}" has characters outside letters, numbers, spaces and + - = . _ : / @`,
      );
    if (value.length > MAX_VALUE)
      out.push(`tag value of "${key.slice(0, 40)}" is longer than ${MAX_VALUE} characters`);
    else if (!TAG_CHARS.test(value))
      out.push(
        `tag value of "${key}" has characters outside letters, numbers, spaces and + - = . _ : / @`,
      );
  }
  return out;
}

/** A request's `tags` list ([{key, value}]) as a map; key-only tags get "". */
export function parseTagList(input: Input, field: string, required: boolean): Tags {
  const v = input[field];
  if (v === undefined || v === null) {
    if (required) throw invalidInput(`${field} is required.`);
    return {};
  }
  if (!Array.isArray(v)) throw invalidInput(`${field} must be a list of {key, value}.`);
  const tags: Tags = {};
  for (const item of v) {
    if (!item || typeof item !== "object")
      throw invalidInput(`${field} must be a list of {key, value}.`);
    const { key, value } = item as { key?: unknown; value?: unknown };
    if (typeof key !== "string") throw invalidInput(`Each tag in ${field} needs a string key.`);
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw invalidInput(`The value of tag "${key}" must be a string.`);
    }
    // defined, not assigned: a "__proto__" key must reach tagProblems, not replace the prototype
    Object.defineProperty(tags, key, {
      value: typeof value === "string" ? value : "",
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  assertTags(tags);
  return tags;
}

export function assertTags(tags: Readonly<Tags>): void {
  const problems = tagProblems(tags);
  if (problems.length > 0) throw invalidInput(`Invalid tags: ${problems.join("; ")}.`);
}

export function parseStringList(input: Input, field: string): string[] {
  const v = input[field];
  if (v === undefined || v === null) throw invalidInput(`${field} is required.`);
  if (!Array.isArray(v) || v.some((k) => typeof k !== "string"))
    throw invalidInput(`${field} must be a list of strings.`);
  return v as string[];
}
