import { afterEach, describe, expect, it } from "vitest";
import { clockNow } from "../../src/cli/options.js";
import { SnapgateError } from "../../src/core/errors.js";

const saved = process.env.SNAPGATE_NOW;
afterEach(() => {
  if (saved === undefined) delete process.env.SNAPGATE_NOW;
  else process.env.SNAPGATE_NOW = saved;
});

describe("clockNow", () => {
  it("is the system clock without SNAPGATE_NOW", () => {
    delete process.env.SNAPGATE_NOW;
    const before = Date.now();
    const now = clockNow();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("takes a pinned instant in the past, for reproducible plans", () => {
    process.env.SNAPGATE_NOW = "2026-01-02T03:04:05Z";
    expect(clockNow()).toBe(Date.parse("2026-01-02T03:04:05Z"));
  });

  it("refuses a pinned instant in the future: it would age kept snapshots into deletions", () => {
    process.env.SNAPGATE_NOW = new Date(Date.now() + 86_400_000).toISOString();
    expect(() => clockNow()).toThrow(SnapgateError);
    expect(() => clockNow()).toThrow(/later than the system clock/);
  });

  it("refuses a SNAPGATE_NOW that is not an RFC 3339 instant instead of ignoring it", () => {
    for (const bad of ["garbage", "2026-01-02", "1", "2026-13-45T00:00:00Z", "yesterday"]) {
      process.env.SNAPGATE_NOW = bad;
      expect(() => clockNow(), bad).toThrow(/SNAPGATE_NOW .* is not an RFC 3339 instant/);
    }
  });
});
