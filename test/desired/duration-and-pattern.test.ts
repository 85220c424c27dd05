import { describe, expect, it } from "vitest";
import { compileNamePattern, namePatternProblem, parseDuration } from "../../src/desired/index.js";

describe("parseDuration", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["12h", 12 * 3_600_000],
    ["90d", 90 * 86_400_000],
    ["2w", 14 * 86_400_000],
    ["1m", 60_000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    "",
    "90",
    "0d",
    "-1d",
    "01d",
    "1.5h",
    "1y",
    "90days",
    " 90d",
    "90d ",
    "1h30m",
    "9999999999w",
  ])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it("never returns more than a safe integer", () => {
    const ms = parseDuration("999999999w");
    expect(ms === null || Number.isSafeInteger(ms)).toBe(true);
  });
});

describe("namePattern", () => {
  it("accepts ordinary patterns and compiles them without flags", () => {
    expect(namePatternProblem("^app-")).toBeNull();
    expect(namePatternProblem("^(web|db)-data-\\d{4}-\\d{2}-\\d{2}$")).toBeNull();
    expect(compileNamePattern("^app-").test("app-1")).toBe(true);
    expect(compileNamePattern("^app-").test("APP-1")).toBe(false);
  });

  it.each(["(a+)+", "(\\w*)*$", "^(x{2,})+", "([a-z]+)*"])(
    "refuses the nested quantifier in %s",
    (p) => {
      expect(namePatternProblem(p)).toMatch(/exponential time/);
    },
  );

  it("refuses empty, overlong and invalid patterns", () => {
    expect(namePatternProblem("")).toMatch(/must not be empty/);
    expect(namePatternProblem("a".repeat(257))).toBe("is 257 characters long; the limit is 256");
    expect(namePatternProblem("a".repeat(256))).toBeNull();
    expect(namePatternProblem("[")).toMatch(/^is not a valid regular expression: /);
  });
});
