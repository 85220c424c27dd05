/**
 * Apply re-derives a plan file's verdicts from the live snapshots: instances only feed
 * freshness (reports), never a verdict, so apply does not list them even when
 * spec.freshness asks plan and audit to.
 */
import { afterEach, describe, expect, it } from "vitest";
import { makeWorld, RECONCILER, type World, webSet } from "../helpers/scenario.js";
import { applyIn, planIn } from "../helpers/world-apply.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WITH_FRESHNESS = `${RECONCILER}  freshness:
    maxAge: 26h
`;

describe("apply of a plan file", () => {
  it("lists snapshots and disks to re-derive its verdicts, but no instances", async () => {
    const w = await makeWorld({
      files: { "snapgate.yaml": WITH_FRESHNESS, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    world = w;
    const plan = await planIn(w);
    const instanceListings = () =>
      w.emulator.calls().filter((c) => c.operation === "GetInstances").length;
    // plan lists them: freshness reports on them
    expect(instanceListings()).toBeGreaterThan(0);
    const before = instanceListings();
    const result = await applyIn(w, plan);
    expect(result.counts.deleted).toBe(plan.deletions.length);
    expect(instanceListings() - before).toBe(0);
  });
});
