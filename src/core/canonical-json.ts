import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined`
 * members left out. Same value → same bytes, which is what digests need.
 *
 * A copy with its keys inserted in sorted order, written by the native
 * JSON.stringify, is several times faster than concatenating strings by hand
 * (a plan of 10,000 snapshots is hashed on every plan). JavaScript objects
 * list array-index keys ("0", "42") first and in numeric order whatever the
 * insertion order, so a value holding such a key is written by hand instead.
 */
export function canonicalJson(value: unknown): string {
  const copy = sortedCopy(value);
  return copy === INDEX_KEY ? writeByHand(value) : (JSON.stringify(copy) ?? "null");
}

const INDEX_KEY: unique symbol = Symbol("array-index key");
/**
 * Deeper values are refused rather than overflow the stack: nothing snapgate writes nests
 * past a dozen levels, and a log line or file that does is not one of its records.
 */
const MAX_DEPTH = 1000;

function tooDeep(): never {
  throw new TypeError(`canonicalJson: nested deeper than ${MAX_DEPTH} levels`);
}
const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

function sortedCopy(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError("canonicalJson: non-finite number");
    }
    return value;
  }
  if (depth >= MAX_DEPTH) tooDeep();
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i] === undefined ? null : sortedCopy(value[i], depth + 1);
      if (item === INDEX_KEY) return INDEX_KEY;
      out[i] = item;
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (ARRAY_INDEX.test(key)) return INDEX_KEY;
    const copied = sortedCopy(member, depth + 1);
    if (copied === INDEX_KEY) return INDEX_KEY;
    out[key] = copied;
  }
  return out;
}

function writeByHand(value: unknown, depth = 0): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new TypeError("canonicalJson: non-finite number");
    }
    return value === undefined ? "null" : JSON.stringify(value);
  }
  if (depth >= MAX_DEPTH) tooDeep();
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : writeByHand(v, depth + 1))).join(",")}]`;
  }
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${writeByHand(record[k], depth + 1)}`);
  return `{${entries.join(",")}}`;
}

/** `sha256:<hex>` of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** `sha256:<hex>` of a value's canonical JSON. */
export function digestOf(value: unknown): string {
  return sha256(canonicalJson(value));
}
