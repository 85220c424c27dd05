/**
 * On a TTY, apply shows the plan summary and asks for the account id, as
 * aws-nuke does. The built CLI runs under a real pseudo-terminal (Python's pty
 * module), which answers the prompt.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { runOnTty } from "../helpers/pty.js";
import { ACCOUNT, makeWorld, NOW_MS, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function applyOnTty(planFile: string, repo: string, env: NodeJS.ProcessEnv, answer: string) {
  return runOnTty([process.execPath, CLI, "apply", planFile, "--repo", repo], env, {
    prompt: "to continue:",
    answer,
  });
}

async function planned(w: World) {
  const env = {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: w.emulator.url,
    AWS_ENDPOINT_URL_STS: w.emulator.url,
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
  const planFile = path.join(w.stateDir, "..", "plan.json");
  const p = await runCli(["plan", "--repo", w.repo.dir, "--out", planFile], env);
  expect(p.code).toBe(0);
  return { env, planFile };
}

describe("apply on a TTY", () => {
  it("asks for the account id and deletes once it is typed", async () => {
    world = await makeWorld();
    const { env, planFile } = await planned(world);
    const r = await applyOnTty(planFile, world.repo.dir, env, ACCOUNT);
    expect(r.out).toContain(`About to delete 2 snapshot(s) in account ${ACCOUNT}`);
    // the prompt names what is applied: the operator's repository at the plan's commit
    const { source } = JSON.parse(readFileSync(planFile, "utf8"));
    expect(r.out).toContain(`from ${world.repo.dir}@${source.commit.slice(0, 12)} (ref main)`);
    expect(r.out).toContain(`Type the account id (${ACCOUNT}) to continue:`);
    expect(r.code).toBe(0);
    expect(
      world.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(["web-old", "web-older"]);
  });

  it("refuses and deletes nothing when the answer is not the account id", async () => {
    world = await makeWorld();
    const { env, planFile } = await planned(world);
    const r = await applyOnTty(planFile, world.repo.dir, env, "yes");
    expect(r.code).toBe(1);
    expect(r.out).toContain("apply cancelled: the confirmation did not match");
    expect(world.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toEqual([]);
  });
});
