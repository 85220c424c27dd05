import { describe, expect, it } from "vitest";
import { describeTagMatch, matchesTags } from "../../src/gate/match-tags.js";

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

  it("compares keys and values exactly", () => {
    expect(matchesTags({ Team: "storage" }, { team: "storage" })).toBe(false);
    expect(matchesTags({ team: "Storage" }, { team: "storage" })).toBe(false);
  });

  it("an empty rule matches everything", () => {
    expect(matchesTags({}, {})).toBe(true);
    expect(matchesTags({ a: "b" }, {})).toBe(true);
  });

  it("is not fooled by inherited properties", () => {
    expect(matchesTags({}, { toString: "*" })).toBe(false);
    expect(matchesTags({}, { constructor: "*" })).toBe(false);
  });

  it("describes a rule as people write it", () => {
    expect(describeTagMatch({ team: "storage", "legal-hold": "*" })).toBe(
      "team=storage, legal-hold=*",
    );
    expect(describeTagMatch({})).toBe("(any)");
  });
});
