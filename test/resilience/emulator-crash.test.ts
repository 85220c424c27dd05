/**
 * Crash and resume with the emulator itself as a `snapgate emulator --state`
 * subprocess: SIGKILL the emulator (and once the apply) mid-apply, restart it
 * on the same port from its state file, re-run apply until it exits 0, then
 * check the persisted state, the journal and the audit log.
 */
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/emulator/faults.js";
import { startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { APPLY_ARGS } from "./crash-harness.js";
import { auditProblems, finalResults, readAudit, readJournal } from "./evidence.js";
import { type CliProcess, sleep, spawnCli, waitForOutput } from "./proc.js";
import { bigFleet, cliEnv, makeDirs, makePlan, repoArgs } from "./world.js";

// A fixed default keeps CI reproducible; set SNAPGATE_CRASH_SEED to explore other schedules.
const SEED = Number(process.env.SNAPGATE_CRASH_SEED ?? 20261127);
const EMULATOR_KILLS = 3;
/** Diagnostic: SIGTERM lets the emulator flush its state first (isolates emulator durability from apply). */
const EMULATOR_SIGNAL = (process.env.SNAPGATE_EMULATOR_KILL_SIGNAL ?? "SIGKILL") as NodeJS.Signals;

interface EmulatorProc {
  proc: CliProcess;
  url: string;
  port: number;
}

async function startEmulatorProcess(seed: string, state: string, port = 0): Promise<EmulatorProc> {
  const proc = spawnCli(["emulator", "--seed", seed, "--state", state, "--port", String(port)], {});
  const m = await waitForOutput(proc, /listening on (http:\/\/127\.0\.0\.1:(\d+))/);
  return { proc, url: m[1]!, port: Number(m[2]) };
}

/** ARNs of a persisted emulator state, read through the emulator itself. */
async function arnsOfState(stateFile: string, scratch: string): Promise<string[]> {
  await copyFile(stateFile, scratch);
  const em = await startEmulator({ statePath: scratch });
  try {
    return em.snapshots().map((s) => s.arn);
  } finally {
    await em.close();
  }
}

async function journalResults(file: string): Promise<number> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split('"type":"result"').length - 1;
}

describe("apply and the emulator both SIGKILLed (emulator as a subprocess)", () => {
  const running: CliProcess[] = [];
  afterAll(async () => {
    for (const p of running) await p.kill();
  });

  it(`emulator killed ${EMULATOR_KILLS}× mid-apply (seed ${SEED}): state survives, exactly the approved set is gone`, async () => {
    const rng = seededRandom(SEED);
    const dirs = makeDirs();
    const seedFile = path.join(dirs.root, "fleet.json");
    const stateFile = path.join(dirs.root, "emulator-state.json");
    await writeFile(seedFile, JSON.stringify(bigFleet()));

    let emulator = await startEmulatorProcess(seedFile, stateFile);
    running.push(emulator.proc);
    const initialArns = await arnsOfState(stateFile, path.join(dirs.root, "initial-copy.json"));
    const env = cliEnv(dirs, emulator.url);
    const plan = await makePlan(dirs, env);
    expect(plan.deletions).toHaveLength(500);
    const journalFile = path.join(
      dirs.stateDir,
      "journals",
      `${plan.digest.replace(/^sha256:/, "")}.jsonl`,
    );

    const log: string[] = [];
    let emulatorKills = 0;
    let applyKills = 0;
    let exitedOk = false;
    let unkilledFailures = 0;
    // Three runs that end non-zero on their own mean apply does not converge: stop early.
    for (let run = 1; run <= 12 && !exitedOk && unkilledFailures < 3; run++) {
      const apply = spawnCli(["apply", dirs.planFile, ...repoArgs(dirs), ...APPLY_ARGS], env);
      running.push(apply);
      let exited = false;
      void apply.done.then(() => (exited = true));
      // Spread the emulator kills over the plan: the k-th after about k/(n+1) of the results.
      while (!exited && emulatorKills < EMULATOR_KILLS) {
        const target = Math.floor(
          ((emulatorKills + 1) / (EMULATOR_KILLS + 1)) * 500 + (rng() - 0.5) * 60,
        );
        while (!exited && (await journalResults(journalFile)) < target) await sleep(5);
        if (exited) break;
        emulator.proc.child.kill(EMULATOR_SIGNAL);
        await emulator.proc.done;
        emulatorKills++;
        const down = Math.floor(rng() * 300);
        await sleep(down);
        emulator = await startEmulatorProcess(seedFile, stateFile, emulator.port);
        running.push(emulator.proc);
        log.push(
          `run ${run}: emulator ${EMULATOR_SIGNAL} at ~${target} journal results, down ${down} ms`,
        );
      }
      // One kill of the apply as well, while the emulator is up.
      if (!exited && applyKills === 0) {
        await sleep(Math.floor(rng() * 400));
        if (!exited) {
          await apply.kill();
          applyKills++;
          log.push(
            `run ${run}: apply SIGKILLed at ${await journalResults(journalFile)} journal results`,
          );
          continue;
        }
      }
      const r = await apply.done;
      // The summary is on stdout; per-item lines go to stderr when it is not a TTY.
      const summary = [
        ...r.stdout.split("\n").filter((l) => l.startsWith("Apply:")),
        ...`${r.stdout}\n${r.stderr}`.split("\n").filter((l) => /^\s*failed\s/.test(l)),
      ];
      log.push(
        `run ${run}: apply exited ${r.code}`,
        ...summary.slice(0, 6).map((l) => `    ${l.trim()}`),
      );
      if (r.code !== 0 && summary.length === 0) log.push(`    ${r.stderr.slice(-300)}`);
      exitedOk = r.code === 0;
      if (!exitedOk) unkilledFailures++;
    }
    console.log(`emulator crash/resume seed ${SEED}:\n  ${log.join("\n  ")}`);
    expect(exitedOk).toBe(true);
    expect(emulatorKills).toBeGreaterThanOrEqual(1);

    // Stop the emulator cleanly so its state file is current, then read it back.
    emulator.proc.child.kill("SIGTERM");
    await emulator.proc.done;
    const approved = new Set(plan.deletions.map((d) => d.arn));
    const finalArns = await arnsOfState(stateFile, path.join(dirs.root, "final-copy.json"));
    expect(finalArns.sort()).toEqual(initialArns.filter((a) => !approved.has(a)).sort());

    const results = finalResults(await readJournal(dirs.stateDir, plan));
    const unfinished = plan.deletions
      .map((d) => `${d.region}/${d.name}`)
      .filter((k) => !["deleted", "absent"].includes(results.get(k)?.outcome ?? ""));
    expect(unfinished).toEqual([]);

    const v = await runCli(["audit-log", "verify", path.join(dirs.stateDir, "audit.jsonl")], env);
    expect(v.code).toBe(0);
    const audit = await readAudit(dirs.stateDir);
    const gone = plan.deletions.map((d) => ({ arn: d.arn }));
    expect(auditProblems(audit, plan.digest, gone)).toEqual([]);
    // No ARN was reported deleted twice across all runs.
    const deletedResults = audit
      .filter((r) => r.type === "delete-result" && r.outcome === "deleted")
      .map((r) => r.arn);
    expect(deletedResults.length).toBe(new Set(deletedResults).size);
  }, 180_000);
});
