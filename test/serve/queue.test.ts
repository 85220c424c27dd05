import { describe, expect, it } from "vitest";
import type { ReconcileResult, ReconcileTrigger } from "../../src/reconcile/types.js";
import { ReconcileQueue } from "../../src/serve/queue.js";

/** A run that blocks until released, so tests control when it ends. */
function gatedRuns() {
  const started: { trigger: ReconcileTrigger; at: number; release: () => void }[] = [];
  const run = (trigger: ReconcileTrigger) =>
    new Promise<ReconcileResult>((resolve) => {
      started.push({
        trigger,
        at: performance.now(),
        release: () => resolve({ commit: "c", ok: true }),
      });
    });
  return { started, run };
}

const webhook = (n: number): ReconcileTrigger => ({
  kind: "webhook",
  receiver: "generic",
  deliveryId: `d${n}`,
  commit: null,
});

describe("ReconcileQueue", () => {
  it("coalesces 20 triggers during a slow run into exactly one more run, started after the burst", async () => {
    const { started, run } = gatedRuns();
    const depths: number[] = [];
    const queue = new ReconcileQueue({ run, onDepthChange: (d) => depths.push(d) });
    queue.trigger({ kind: "start" });
    expect(started).toHaveLength(1);
    for (let i = 1; i <= 20; i++) expect(queue.trigger(webhook(i))).toBe(true);
    const burstEnd = performance.now();
    expect(queue.depth).toBe(2);
    expect(started).toHaveLength(1);

    started[0]!.release();
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toHaveLength(2);
    expect(started[1]!.at).toBeGreaterThanOrEqual(burstEnd);
    // the pending run carries the newest trigger and how many it absorbed
    expect(started[1]!.trigger).toEqual({ ...webhook(20), coalesced: 19 });

    started[1]!.release();
    await queue.idle();
    expect(started).toHaveLength(2);
    expect(depths.at(-1)).toBe(0);
    expect(Math.max(...depths)).toBe(2);
  });

  it("runs one at a time: a trigger after the queue went idle starts a new run", async () => {
    const { started, run } = gatedRuns();
    const queue = new ReconcileQueue({ run });
    queue.trigger(webhook(1));
    started[0]!.release();
    await queue.idle();
    queue.trigger(webhook(2));
    expect(started).toHaveLength(2);
    started[1]!.release();
    await queue.idle();
  });

  it("drain waits for the run in flight, drops the pending one and refuses new triggers", async () => {
    const { started, run } = gatedRuns();
    const results: ReconcileResult[] = [];
    const queue = new ReconcileQueue({ run, onResult: (_t, r) => results.push(r) });
    queue.trigger(webhook(1));
    queue.trigger(webhook(2));
    let drained = false;
    const draining = queue.drain().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    expect(queue.trigger(webhook(3))).toBe(false);

    started[0]!.release();
    await draining;
    expect(drained).toBe(true);
    expect(results).toHaveLength(1);
    expect(started).toHaveLength(1);
    expect(queue.depth).toBe(0);
  });

  it("a reconcile that throws is recorded as a failed result and the queue keeps going", async () => {
    const results: ReconcileResult[] = [];
    let calls = 0;
    const queue = new ReconcileQueue({
      run: async () => {
        calls += 1;
        if (calls === 1) throw new Error("git fetch failed");
        return { commit: "abc", ok: true };
      },
      onResult: (_t, r) => results.push(r),
    });
    queue.trigger(webhook(1));
    await queue.idle();
    queue.trigger(webhook(2));
    await queue.idle();
    expect(results).toEqual([
      { commit: null, ok: false, error: "git fetch failed" },
      { commit: "abc", ok: true },
    ]);
  });
});
