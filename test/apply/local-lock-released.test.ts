/**
 * A lock file released from under a running apply (`snapgate lock release <id>`, as an
 * operator does for an apply they believe dead, e.g. on another host sharing the state
 * directory) stops that apply's deletions: the next apply may take the lock at once, and the
 * two must never delete side by side. Real apply against the emulator, concurrency 1.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { lockPath } from "../../src/reconcile/apply-plan.js";
import { makeWorld, type World } from "../helpers/scenario.js";
import { applyIn, planIn } from "../helpers/world-apply.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("a local apply lock", () => {
  it("released while the apply runs: no further delete is sent", async () => {
    const w = await makeWorld();
    world = w;
    const plan = await planIn(w);
    expect(plan.deletions).toHaveLength(2);
    let released = false;
    const result = await applyIn(w, plan, {
      onStart: () => {
        if (released) return;
        released = true;
        // what `snapgate lock release <id>` does (synchronously here, so that it lands
        // between two checks of the running apply)
        rmSync(lockPath(w.stateDir, plan.account));
      },
      onItem: () => {},
    }).catch((err: unknown) => err);
    expect(released).toBe(true);
    const deletes = w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");
    expect(deletes).toHaveLength(0);
    expect(result).toMatchObject({ aborted: expect.stringMatching(/lost the lock/) });
  });
});
