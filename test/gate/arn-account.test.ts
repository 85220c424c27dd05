import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arnAccount } from "../../src/core/arn.js";

describe("arnAccount", () => {
  it("reads the account field of snapshot and disk ARNs", () => {
    expect(arnAccount("arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/abc")).toBe(
      "111122223333",
    );
    expect(arnAccount("arn:aws:lightsail:eu-west-2:999988887777:Disk/x:y")).toBe("999988887777");
    expect(arnAccount("arn:aws:lightsail:us-east-1:")).toBe("");
    expect(arnAccount("arn:aws:lightsail:us-east-1")).toBeUndefined();
    expect(arnAccount("")).toBeUndefined();
  });

  it("is the fifth colon-separated field of any string, as split(':') would say", () => {
    const colonHeavy = fc.string({ unit: fc.constantFrom(":", "a", "1", "/", "") });
    fc.assert(
      fc.property(fc.oneof(fc.string(), colonHeavy), (s) => {
        expect(arnAccount(s)).toBe(s.split(":")[4]);
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });
});
