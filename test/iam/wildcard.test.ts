import { describe, expect, it } from "vitest";
import { matchesWildcard } from "../../src/iam/wildcard.js";

describe("matchesWildcard", () => {
  it.each([
    ["*", "", true],
    ["*", "anything:at/all", true],
    ["lightsail:Delete*", "lightsail:DeleteDiskSnapshot", true],
    ["lightsail:Delete*", "lightsail:GetDisk", false],
    ["lightsail:Get?isk", "lightsail:GetDisk", true],
    ["lightsail:Get?isk", "lightsail:GetDisks", false],
    ["lightsail:Get?isk", "lightsail:Getisk", false],
    ["a*b*c", "aXXbYYc", true],
    ["a*b*c", "aXXbYY", false],
    ["*c", "abcabc", true],
    ["a**", "a", true],
    [
      "arn:aws:lightsail:*:111122223333:DiskSnapshot/*",
      "arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/e2d0",
      true,
    ],
    [
      "arn:aws:lightsail:*:111122223333:DiskSnapshot/*",
      "arn:aws:lightsail:us-east-1:999999999999:DiskSnapshot/e2d0",
      false,
    ],
    ["exact", "exact", true],
    ["exact", "exactly", false],
    ["a.c", "abc", false], // a dot is literal, not a regex
  ])("%s vs %s → %s", (pattern, value, expected) => {
    expect(matchesWildcard(pattern, value)).toBe(expected);
  });

  it("is case-sensitive unless asked", () => {
    expect(matchesWildcard("lightsail:delete*", "lightsail:DeleteDiskSnapshot")).toBe(false);
    expect(matchesWildcard("lightsail:delete*", "lightsail:DeleteDiskSnapshot", true)).toBe(true);
    expect(matchesWildcard("LIGHTSAIL:GET?ISK", "lightsail:GetDisk", true)).toBe(true);
  });
});
