/**
 * `serve` applies plan after plan with the same Lightsail clients. Each DeleteDiskSnapshot
 * carries its own apply's lease check as the SDK's innermost step; with cached middleware
 * stacks the second apply ran the first apply's check (whose lock was long released) and
 * sent nothing. Real applies against the emulator, sharing one apply client factory.
 */
import { afterEach, describe, expect, it } from "vitest";
import { applyClientFactory } from "../../src/lightsail/client.js";
import { makeWorld, RECONCILER, type World, webSet } from "../helpers/scenario.js";
import { applyIn, planIn } from "../helpers/world-apply.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("applies sharing their clients", () => {
  it("the second apply checks its own lease, and deletes", async () => {
    const w = await makeWorld({
      files: {
        "snapgate.yaml": RECONCILER,
        "snapshots/web.yaml": webSet(["web-1", "web-older", "web-young"]),
      },
    });
    world = w;
    const clients = applyClientFactory({ endpoint: w.emulator.url });
    const apply = async () => applyIn(w, await planIn(w), { clients });
    const first = await apply();
    expect(first.counts.deleted).toBe(1);
    expect(w.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old"]);
    // the next commit drops web-older from the desired state: a second plan, a second lock
    w.repo.commit({ "snapshots/web.yaml": webSet(["web-1", "web-young"]) });
    const second = await apply();
    expect(second.aborted).toBeUndefined();
    expect(second.counts.deleted).toBe(1);
    expect(w.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old", "web-older"]);
  });
});
