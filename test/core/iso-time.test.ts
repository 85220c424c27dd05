/** The fast ISO formatter writes exactly what Date.prototype.toISOString writes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isoFromMs } from "../../src/core/iso-time.js";

const MAX_DATE_MS = 8.64e15;

describe("isoFromMs", () => {
  it("matches toISOString on any valid time", () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_DATE_MS, max: MAX_DATE_MS }), (ms) => {
        expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it("matches toISOString around the edges of years, leap days and the 4-digit range", () => {
    const edges = [
      "0000-01-01T00:00:00.000Z",
      "0000-02-29T23:59:59.999Z",
      "1899-12-31T23:59:59.999Z",
      "1970-01-01T00:00:00.000Z",
      "1969-12-31T23:59:59.999Z",
      "2000-02-29T12:00:00.001Z",
      "2100-03-01T00:00:00.000Z",
      "2026-12-31T23:59:59.999Z",
      "9999-12-31T23:59:59.999Z",
    ].map(Date.parse);
    for (const base of edges)
      for (const delta of [-1, 0, 1]) {
        const ms = base + delta;
        expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
      }
  });

  it("refuses what toISOString refuses", () => {
    expect(() => isoFromMs(Number.NaN)).toThrow(RangeError);
    expect(() => isoFromMs(MAX_DATE_MS + 1)).toThrow(RangeError);
  });
});
