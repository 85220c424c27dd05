/** sharedFor: one read per window, by an injected clock (no wall clock in the test). */
import { describe, expect, it } from "vitest";
import { sharedFor } from "../../src/core/shared-for.js";

describe("sharedFor", () => {
  it("reads once per window; callers in the window share the answer, also while it is pending", async () => {
    let clock = 0;
    let reads = 0;
    let release: (v: number) => void = () => {};
    const shared = sharedFor(
      1_000,
      () => {
        reads++;
        return new Promise<number>((resolve) => {
          release = resolve;
        });
      },
      () => clock,
    );
    const pending = Array.from({ length: 50 }, () => shared());
    expect(reads).toBe(1);
    release(7);
    expect(await Promise.all(pending)).toEqual(Array(50).fill(7));
    clock = 999;
    void shared();
    expect(reads).toBe(1);
    clock = 1_000;
    const next = shared();
    expect(reads).toBe(2);
    release(8);
    expect(await next).toBe(8);
  });
});
