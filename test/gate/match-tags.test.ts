import { describe, expect, it } from "vitest";
import { describeTagMatch, matchesTags, matchesTagsUnanimously } from "../../src/core/tags.js";

describe("matchesTags", () => {
  it("needs every key, with the same value", () => {
    expect(matchesTags({ team: "storage", env: "dev" }, { team: "storage" })).toBe(true);
    expect(matchesTags({ team: "storage", env: "dev" }, { team: "storage", env: "dev" })).toBe(
      true,
    );
    expect(matchesTags({ team: "storage" }, { team: "storage", env: "dev" })).toBe(false);
    expect(matchesTags({ team: "web" }, { team: "storage" })).toBe(false);
  });

  it('"*" means the key is present, whatever its value (empty included)', () => {
    expect(matchesTags({ "legal-hold": "" }, { "legal-hold": "*" })).toBe(true);
    expect(matchesTags({ "legal-hold": "2027" }, { "legal-hold": "*" })).toBe(true);
    expect(matchesTags({}, { "legal-hold": "*" })).toBe(false);
  });

  it("compares keys case-insensitively, as IAM does, and values exactly", () => {
    for (const match of [matchesTags, matchesTagsUnanimously]) {
      expect(match({ Team: "storage" }, { team: "storage" })).toBe(true);
      expect(match({ team: "storage" }, { TEAM: "storage" })).toBe(true);
      expect(match({ "Legal-Hold": "case-99" }, { "legal-hold": "*" })).toBe(true);
      expect(match({ team: "Storage" }, { team: "storage" })).toBe(false);
      expect(match({ Team: "Storage" }, { team: "storage" })).toBe(false);
    }
  });

  it("two keys folding to one: any may match for a block, every one must for a grant", () => {
    const both = { env: "dev", Env: "prod" };
    expect(matchesTags(both, { env: "prod" })).toBe(true);
    expect(matchesTags(both, { ENV: "dev" })).toBe(true);
    expect(matchesTagsUnanimously(both, { env: "prod" })).toBe(false);
    expect(matchesTagsUnanimously(both, { env: "dev" })).toBe(false);
    expect(matchesTagsUnanimously({ env: "dev", ENV: "dev" }, { Env: "dev" })).toBe(true);
    // "*" asks only for presence, which every folded key has
    expect(matchesTagsUnanimously(both, { env: "*" })).toBe(true);
    expect(matchesTagsUnanimously({}, { env: "*" })).toBe(false);
  });

  it("an empty rule matches everything", () => {
    expect(matchesTags({}, {})).toBe(true);
    expect(matchesTags({ a: "b" }, {})).toBe(true);
  });

  it("is not fooled by inherited properties", () => {
    expect(matchesTags({}, { toString: "*" })).toBe(false);
    expect(matchesTags({}, { constructor: "*" })).toBe(false);
    expect(matchesTagsUnanimously({}, { toString: "*" })).toBe(false);
    expect(matchesTagsUnanimously({}, { Constructor: "*" })).toBe(false);
  });

  it("describes a rule as people write it", () => {
    expect(describeTagMatch({ team: "storage", "legal-hold": "*" })).toBe(
      "team=storage, legal-hold=*",
    );
    expect(describeTagMatch({})).toBe("(any)");
  });
});
