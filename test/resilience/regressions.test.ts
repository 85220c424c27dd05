/**
 * Regressions found by the crash/resume harness, reduced to deterministic
 * reproductions.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  LightsailClient,
} from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it } from "vitest";
import { Journal, journalPath } from "../../src/apply/journal.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { APPLY_ARGS } from "./crash-harness.js";
import { finalResults, readJournal } from "./evidence.js";
import { spawnCli, waitForOutput } from "./proc.js";
import {
  approvedName,
  bigFleet,
  cliEnv,
  makeDirs,
  makePlan,
  repoArgs,
  type WorldShape,
} from "./world.js";

const TINY: WorldShape = { approvedPerRegion: 3, keptPerRegion: 4, outOfScopePerRegion: 1 };

let emulator: RunningEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe("resume after a journaled delete that did not take", () => {
  // How it happens: the emulator (or Lightsail, eventually consistent) acknowledged a
  // delete, apply journaled "deleted", then the snapshot is listed again — seen when the
  // emulator subprocess is SIGKILLed before it persisted the delete. apply's final
  // listing then flips the item to "failed ... still listed afterwards", but only in its
  // report: the journal keeps "deleted", so every later run skips the item as done in an
  // earlier run and reports the same failure forever (exit 5, never converges).
  it("re-running apply converges: the snapshot is deleted, once, within two runs", async () => {
    emulator = await startEmulator({ seed: bigFleet(TINY) });
    const dirs = makeDirs(TINY);
    const env = cliEnv(dirs, emulator.url);
    const plan = await makePlan(dirs, env);
    expect(plan.deletions).toHaveLength(6);
    const stuck = plan.deletions[0]!;
    const journal = await Journal.open(journalPath(dirs.stateDir, plan.digest));
    await journal.intent(`${stuck.region}/${stuck.name}`, stuck.arn);
    await journal.result(`${stuck.region}/${stuck.name}`, "deleted", "deleted (op-1 Succeeded)", [
      { id: "op-1", status: "Succeeded", isTerminal: true },
    ]);

    const codes: number[] = [];
    const outputs: string[] = [];
    for (let run = 0; run < 2 && codes.at(-1) !== 0; run++) {
      const r = await runCli(["apply", dirs.planFile, ...repoArgs(dirs), ...APPLY_ARGS], env);
      codes.push(r.code);
      outputs.push(r.stdout);
    }
    expect(codes.at(-1), outputs.join("\n---\n")).toBe(0);
    expect(emulator.snapshots().map((s) => s.arn)).not.toContain(stuck.arn);
    expect(
      emulator
        .deletedSnapshots()
        .map((d) => d.arn)
        .sort(),
    ).toEqual(plan.deletions.map((d) => d.arn).sort());
  });

  it("the journal agrees with what apply reported: no item journaled deleted while reported failed", async () => {
    emulator = await startEmulator({ seed: bigFleet(TINY) });
    const dirs = makeDirs(TINY);
    const env = cliEnv(dirs, emulator.url);
    const plan = await makePlan(dirs, env);
    const stuck = plan.deletions[0]!;
    const key = `${stuck.region}/${stuck.name}`;
    const journal = await Journal.open(journalPath(dirs.stateDir, plan.digest));
    await journal.result(key, "deleted", "deleted (op-1 Succeeded)", []);

    const r = await runCli(
      ["apply", dirs.planFile, ...repoArgs(dirs), ...APPLY_ARGS, "--format", "json"],
      env,
    );
    const reported = (
      JSON.parse(r.stdout) as { items: { region: string; name: string; outcome: string }[] }
    ).items;
    const outcome = reported.find((i) => `${i.region}/${i.name}` === key)?.outcome;
    const journaled = finalResults(await readJournal(dirs.stateDir, plan)).get(key)?.outcome;
    // Whatever apply decided about the item, the journal must say the same.
    expect(journaled).toBe(outcome);
  });
});

describe("the emulator's state file under SIGKILL", () => {
  // `snapgate emulator --state` acknowledges a DeleteDiskSnapshot before the state file
  // has it (writes are coalesced a few to 250 ms later), so a SIGKILL right after the
  // response resurrects the snapshot, same ARN, on restart. Real Lightsail never
  // un-deletes; the crash harness with the emulator as a subprocess trips over this.
  it("an acknowledged delete is still deleted after the emulator is SIGKILLed and restarted", async () => {
    const dirs = makeDirs(TINY);
    const seedFile = path.join(dirs.root, "fleet.json");
    const stateFile = path.join(dirs.root, "emulator-state.json");
    await writeFile(seedFile, JSON.stringify(bigFleet(TINY)));
    const start = async (port: number) => {
      const proc = spawnCli(
        ["emulator", "--seed", seedFile, "--state", stateFile, "--port", String(port)],
        {},
      );
      const m = await waitForOutput(proc, /listening on (http:\/\/127\.0\.0\.1:(\d+))/);
      return { proc, url: m[1]!, port: Number(m[2]) };
    };
    const first = await start(0);
    const client = new LightsailClient({
      region: "us-east-1",
      endpoint: first.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    const name = approvedName("us-east-1", 0);
    const out = await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: name }));
    expect(out.operations?.[0]?.status).toBe("Succeeded");
    await first.proc.kill();

    const second = await start(first.port);
    try {
      const listed = await client.send(new GetDiskSnapshotsCommand({}));
      expect(listed.diskSnapshots?.map((s) => s.name)).not.toContain(name);
    } finally {
      client.destroy();
      await second.proc.kill();
    }
  });
});
