/**
 * scope.namePattern is matched by RE2 (linear time): the pattern that hung
 * `plan` and froze `serve` (nested groups that the nested-quantifier check
 * cannot see) now loads and matches like RegExp, and finishes.
 */
import { describe, expect, it } from "vitest";
import type { LiveSnapshot } from "../../src/core/model.js";
import { compileNamePattern, namePatternProblem } from "../../src/core/name-pattern.js";
import { scopePredicate } from "../../src/core/scope.js";

const HOSTILE = "^((((\\w|-)+)+)+)+!";

function snapshot(name: string): LiveSnapshot {
  return {
    region: "us-east-1",
    name,
    arn: `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${name}`,
    state: "completed",
    createdAt: "2026-11-01T03:00:00Z",
    sizeInGb: 8,
    tags: { "managed-by": "snapgate" },
    isFromAutoSnapshot: false,
  };
}

describe("scope.namePattern on RE2", () => {
  it("accepts the nested-group pattern the old check missed, and matching it terminates", () => {
    expect(namePatternProblem(HOSTILE)).toBeNull();
    // On a backtracking engine this name takes exponential time (2^45 paths); RE2 answers at once.
    const name = `web-data-2026-11-01-${"a".repeat(45)}`;
    expect(compileNamePattern(HOSTILE).test(name)).toBe(false);
    expect(compileNamePattern(HOSTILE).test(`${name}!`)).toBe(true);
  });

  it("matches like RegExp.prototype.test: anywhere in the name unless anchored", () => {
    for (const [pattern, name] of [
      ["^app-", "app-data"],
      ["^app-", "my-app-data"],
      ["data-\\d+$", "web-data-12"],
      ["b", "abc"],
      ["^(web|db)-[a-z]+-\\d{4}$", "db-main-2026"],
    ] as const) {
      expect(compileNamePattern(pattern).test(name), `${pattern} on ${name}`).toBe(
        new RegExp(pattern).test(name),
      );
    }
  });

  it("refuses what RE2 cannot run (backreferences, lookaround) with a message that says so", () => {
    expect(namePatternProblem("^(a)\\1$")).toMatch(/not supported by RE2/);
    expect(namePatternProblem("^app-(?!prod)")).toMatch(/not supported by RE2/);
  });

  it("scope filters a fleet through the hostile pattern", () => {
    const inScope = scopePredicate(
      { matchTags: { "managed-by": "snapgate" }, namePattern: HOSTILE },
      ["us-east-1"],
    );
    const names = Array.from({ length: 200 }, (_, i) => `web-data-${"x".repeat(30)}-${i}`);
    expect(names.map(snapshot).filter(inScope)).toEqual([]);
    expect(inScope(snapshot("web-data-1!"))).toBe(true);
  });
});
