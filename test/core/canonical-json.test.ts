/**
 * Canonical JSON is what every digest (plan, audit chain, policy data) is computed over: the
 * fast writer must give exactly the bytes of the plain recursive definition on any JSON value,
 * index-like keys ("0", "10", "2") and keys outside the BMP included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical-json.js";

/** The definition: keys sorted by code unit, undefined members left out, no whitespace. */
function definition(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new TypeError("non-finite");
    return value === undefined ? "null" : JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(definition).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${definition(record[k])}`).join(",")}}`;
}

const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom("0", "1", "2", "10", "01", "-1", "4294967295", "9", "a", "é", "😀", "Z"),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.constant(undefined),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: "grapheme-composite", maxLength: 8 }),
    fc.array(tie("node"), { maxLength: 5 }),
    fc.dictionary(key, tie("node"), { maxKeys: 6 }),
  ),
})).node;

describe("canonicalJson", () => {
  it("gives the definition's bytes for any value", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(definition(v));
      }),
      { numRuns: 2000 },
    );
  });

  it("orders index-like keys by code unit, not numerically", () => {
    expect(canonicalJson({ b: 1, "10": 2, "2": 3, a: { "1": [], "0": null } })).toBe(
      '{"10":2,"2":3,"a":{"0":null,"1":[]},"b":1}',
    );
  });

  it("leaves out undefined members and writes undefined array items as null", () => {
    expect(canonicalJson({ z: undefined, y: [undefined, 1] })).toBe('{"y":[null,1]}');
  });

  it("refuses non-finite numbers at any depth", () => {
    expect(() => canonicalJson({ a: [1, { b: Number.POSITIVE_INFINITY }] })).toThrow(/non-finite/);
    expect(() => canonicalJson({ "0": Number.NaN })).toThrow(/non-finite/);
  });

  it("refuses a value nested deeper than 1000 levels instead of overflowing the stack", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = i % 2 ? { a: deep } : [deep];
    expect(() => canonicalJson(deep)).toThrow(/nested deeper than 1000 levels/);
    let fine: unknown = 1;
    for (let i = 0; i < 999; i++) fine = { a: fine };
    expect(canonicalJson(fine)).toBe(JSON.stringify(fine));
  });
});
