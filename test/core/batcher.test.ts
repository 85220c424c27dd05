import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/core/batcher.js";

describe("Batcher", () => {
  it("flushes items pushed in the same tick together, and later ones in the next flush", async () => {
    const flushes: number[][] = [];
    const batcher = new Batcher<number, string>(async (items) => {
      flushes.push(items);
      await new Promise((r) => setTimeout(r, 5));
      return items.map((i) => `done ${i}`);
    });
    const first = Promise.all([1, 2, 3].map((i) => batcher.push(i)));
    await Promise.resolve();
    const second = Promise.all([4, 5].map((i) => batcher.push(i)));
    expect(await first).toEqual(["done 1", "done 2", "done 3"]);
    expect(await second).toEqual(["done 4", "done 5"]);
    expect(flushes).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("rejects every item of a failed flush and keeps serving", async () => {
    let fail = true;
    const batcher = new Batcher<number, number>(async (items) => {
      if (fail) throw new Error("disk full");
      return items;
    });
    const failed = await Promise.allSettled([batcher.push(1), batcher.push(2)]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await batcher.push(3)).toBe(3);
  });
});
