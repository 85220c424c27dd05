/** A plan file that is not JSON says so once, at its position. */
import { describe, expect, it } from "vitest";
import { messageOf } from "../../src/core/errors.js";
import { parsePlan } from "../../src/plan/plan-file.js";

describe("a plan file that is not JSON", () => {
  it("is refused with one 'invalid JSON' at the line and column", () => {
    let message = "";
    try {
      parsePlan("plan.json", '{"formatVersion": 1, "a": ');
    } catch (err) {
      message = messageOf(err);
    }
    expect(message).toContain("plan.json:1:27: invalid JSON: unexpected end of input");
    expect(message).not.toMatch(/invalid JSON: invalid JSON/);
  });
});
