/**
 * Preflight's verdicts hold for the snapshots as it listed them: a live
 * snapshot that differs from that listing is not approved on the old verdict.
 */

import { GetDiskSnapshotCommand } from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it } from "vitest";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { toLiveSnapshot } from "../../src/lightsail/normalize.js";
import { preflight } from "../../src/reconcile/approve.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { makeWorld, NOW_MS, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("preflight's recheck", () => {
  it("approves the listed snapshot and skips one whose tags differ from what preflight judged", async () => {
    world = await makeWorld();
    const clients = lightsailClientFactory({ endpoint: world.emulator.url });
    const { plan } = await makePlan({
      repo: world.repo.dir,
      cacheDir: world.cacheDir,
      clients,
      nowMs: NOW_MS,
    });
    expect(plan.deletions.map((d) => d.name)).toContain("web-old");
    const { recheck } = await preflight(plan, {
      cacheDir: world.cacheDir,
      nowMs: NOW_MS,
      clients,
      repo: world.repo.dir,
    });
    const out = await clients("us-east-1").send(
      new GetDiskSnapshotCommand({ diskSnapshotName: "web-old" }),
    );
    const live = toLiveSnapshot("us-east-1", out.diskSnapshot!);
    expect(recheck(live)).toBeNull();
    const retagged = { ...live, tags: { ...live.tags, owner: "someone-else" } };
    expect(recheck(retagged)).toEqual({
      outcome: "skipped",
      detail: "changed since preflight derived its verdict; re-run plan",
    });
  });
});
