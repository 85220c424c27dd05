import { describe, expect, it } from "vitest";
import { jittered, Poller, parseInterval } from "../../src/serve/poller.js";

describe("parseInterval", () => {
  it.each([
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    [" 2m ", 120_000],
    ["0", 0],
  ])("%s → %d ms", (text, ms) => {
    expect(parseInterval(text)).toBe(ms);
  });

  it.each(["", "5", "5x", "-5m", "m5", "0s", "1.5m", "200h"])(
    "rejects %j as BadInput naming the flag",
    (text) => {
      expect(() => parseInterval(text)).toThrow(/--interval/);
    },
  );
});

describe("jittered", () => {
  it("stays within ±10% of the interval", () => {
    expect(jittered(60_000, 0.1, () => 0)).toBe(54_000);
    expect(jittered(60_000, 0.1, () => 1)).toBe(66_000);
    expect(jittered(60_000, 0.1, () => 0.5)).toBe(60_000);
  });
});

describe("Poller", () => {
  it("triggers only when the head differs from the last reconciled commit", async () => {
    let head = "aaa";
    let reconciled: string | null = "aaa";
    const triggered: string[] = [];
    const poller = new Poller({
      intervalMs: 60_000,
      resolveHead: async () => head,
      lastReconciledCommit: () => reconciled,
      trigger: (commit) => triggered.push(commit),
    });
    expect(await poller.pollOnce()).toBe(false);
    head = "bbb";
    expect(await poller.pollOnce()).toBe(true);
    reconciled = "bbb";
    expect(await poller.pollOnce()).toBe(false);
    reconciled = null; // last reconcile failed: retry
    expect(await poller.pollOnce()).toBe(true);
    expect(triggered).toEqual(["bbb", "bbb"]);
  });

  it("does not trigger (nor throw) when resolving the head fails", async () => {
    const triggered: string[] = [];
    const poller = new Poller({
      intervalMs: 60_000,
      resolveHead: async () => {
        throw new Error("network down");
      },
      lastReconciledCommit: () => null,
      trigger: (c) => triggered.push(c),
    });
    expect(await poller.pollOnce()).toBe(false);
    expect(triggered).toEqual([]);
  });

  it("polls on its timer, exposes nextPollAt, and stops", async () => {
    let polls = 0;
    const poller = new Poller({
      intervalMs: 20,
      resolveHead: async () => {
        polls += 1;
        return `head-${polls}`;
      },
      lastReconciledCommit: () => null,
      trigger: () => {},
      // no jitter and a pinned clock: nextPollAt is exactly now + interval
      random: () => 0.5,
      now: () => 1_000_000,
    });
    expect(poller.nextPollAt).toBeNull();
    poller.start();
    expect(poller.nextPollAt?.getTime()).toBe(1_000_020);
    for (let waited = 0; polls < 2 && waited < 5_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await poller.stop();
    const count = polls;
    expect(count).toBeGreaterThanOrEqual(2);
    expect(poller.nextPollAt).toBeNull();
    await new Promise((r) => setTimeout(r, 60));
    expect(polls).toBe(count);
  });
});
