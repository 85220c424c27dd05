/**
 * A plan handed to the library's applyPlan as an object gets the checks a plan file gets: its
 * digest must match its content, so a plan edited after it was made (here: a deletion added
 * back to the plan that was reviewed, under the reviewed plan's digest) deletes nothing.
 */
import { GetDiskSnapshotsCommand } from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it } from "vitest";
import { applyPlan, makePlan } from "../../src/index.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { withDigest } from "../../src/plan/digest.js";
import { makeWorld, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function liveNames(w: World): Promise<string[]> {
  const clients = lightsailClientFactory({ endpoint: w.emulator.url });
  const out = await clients("us-east-1").send(new GetDiskSnapshotsCommand({}));
  return (out.diskSnapshots ?? []).map((s) => s.name ?? "").sort();
}

describe("the library's applyPlan", () => {
  it("refuses a plan object whose content no longer matches its digest, and deletes nothing", async () => {
    world = await makeWorld();
    const run = {
      stateDir: world.stateDir,
      cacheDir: world.cacheDir,
      endpointUrl: world.emulator.url,
    };
    const made = await makePlan({ repo: world.repo.dir, ...run });
    const names = made.deletions.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(["web-old", "web-older"]));
    // What was reviewed: only web-old.
    const { digest: _made, ...rest } = made;
    const reviewed = withDigest({
      ...rest,
      deletions: made.deletions.filter((d) => d.name === "web-old"),
      summary: { ...made.summary, deletions: 1 },
    });
    // What is applied: every deletion again, under the reviewed plan's digest.
    const tampered = { ...reviewed, deletions: made.deletions, summary: made.summary };
    const before = await liveNames(world);
    await expect(applyPlan(tampered, { ...run, repo: world.repo.dir })).rejects.toMatchObject({
      code: "Refused",
      message: expect.stringMatching(/digest does not match its content/),
    });
    expect(await liveNames(world)).toEqual(before);
  });
});
