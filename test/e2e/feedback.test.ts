/**
 * Issue 16, point 6: feedback during interrupts and long runs, through the built CLI.
 * Before: SIGINT during apply exited 130 with no message; on a TTY the per-item results
 * appeared only at the end; a resumed apply's rate/ETA counted the journal's replays;
 * `serve` never named the snapshots it deleted; `plan` said nothing while listing.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FleetSeedInput, RunningEmulator } from "../../src/emulator/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import { CLI, runCli } from "../helpers/cli.js";
import { makeRepo, tempDir } from "../helpers/git-repo.js";
import { runOnTty } from "../helpers/pty.js";
import { ACCOUNT, ago, NOW_MS, RECONCILER, webSet } from "../helpers/scenario.js";
import { type CliProcess, spawnCli } from "../resilience/proc.js";
import {
  makeServeWorld,
  reconcilerYaml,
  type ServeWorld,
  snapshotSetYaml,
  waitUntil,
} from "./serve-world.js";

const OLD = Array.from({ length: 12 }, (_, i) => `old-${String(i).padStart(2, "0")}`);

function fleet(): FleetSeedInput {
  return {
    account: ACCOUNT,
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 64, tags: { team: "web" } }],
        snapshots: [
          {
            name: "web-1",
            fromDisk: "web-data",
            createdAt: ago(1),
            tags: { "managed-by": "snapgate" },
          },
          ...OLD.map((name, i) => ({
            name,
            fromDisk: "web-data",
            createdAt: ago(30 + i),
            tags: { "managed-by": "snapgate" },
          })),
        ],
      },
      "eu-west-2": { disks: [], snapshots: [] },
    },
  };
}

let emulator: RunningEmulator | undefined;
let serveWorld: ServeWorld | undefined;
const procs: CliProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) await p.kill();
  await emulator?.close();
  emulator = undefined;
  await serveWorld?.close();
  serveWorld = undefined;
});

/** An emulator that answers every call 150 ms late, so an apply of 12 deletions takes seconds. */
async function slowWorld() {
  emulator = await startEmulator({ seed: fleet(), faults: { latencyMs: 150 } });
  const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
  const root = tempDir("snapgate-feedback-");
  const env = {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    SNAPGATE_STATE_DIR: path.join(root, "state"),
    XDG_CACHE_HOME: path.join(root, "cache"),
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
  const planFile = path.join(root, "plan.json");
  const made = await runCli(["plan", "--repo", repo.dir, "--out", planFile], env);
  expect(made.code, made.stderr).toBe(0);
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as { deletions: unknown[] };
  expect(plan.deletions).toHaveLength(OLD.length);
  return { emulator, repo, env, planFile };
}

const applyArgs = (planFile: string, repo: string) => [
  "apply",
  planFile,
  "--repo",
  repo,
  "--auto-approve",
  "--concurrency",
  "2",
];

async function waitForStderr(p: CliProcess, re: RegExp): Promise<void> {
  await waitUntil(`stderr matching ${re}`, () => re.test(p.stderr()), 60_000);
}

/** `resume with: snapgate apply …` → the argv after `snapgate` (test paths have no spaces). */
function resumeArgs(stderr: string): string[] {
  const line = /resume with: (snapgate .+)$/m.exec(stderr)?.[1];
  expect(line, stderr).toBeDefined();
  return (line ?? "").split(" ").slice(1);
}

const deletes = (e: RunningEmulator) =>
  e.calls().filter((c) => c.operation === "DeleteDiskSnapshot").length;

describe("apply: interrupts", () => {
  it("SIGINT: finishes what is in flight, says what was done and how to resume; exit 130", async () => {
    const w = await slowWorld();
    const run = spawnCli(applyArgs(w.planFile, w.repo.dir), w.env);
    procs.push(run);
    await waitForStderr(run, /^deleted +us-east-1\/old-/m);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("starting no further deletions");
    expect(r.stderr).toContain("snapgate: apply interrupted by SIGINT.");
    const done = Number(/done: (\d+) of 12 planned deletion\(s\)/.exec(r.stderr)?.[1]);
    const notStarted = Number(/not started: (\d+)/.exec(r.stderr)?.[1]);
    expect(done + notStarted).toBe(12);
    expect(notStarted).toBeGreaterThan(0);
    expect(r.stderr).toContain(
      "in flight: none (the deletions in flight finished before stopping)",
    );
    expect(w.emulator.deletedSnapshots()).toHaveLength(done);
    const args = resumeArgs(r.stderr);
    expect(args).toEqual(applyArgs(w.planFile, w.repo.dir));

    // The resumed run, on a terminal: the journal's results are reported first, and the
    // rate/ETA wait for this run's own items (before: "113/s, ETA 3s" from the replays).
    const resumed = await runOnTty([process.execPath, CLI, ...args], w.env);
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toContain(`${done}/12 (${done} from an earlier run) · ETA –`);
    expect(resumed.out).toMatch(/12\/12 \(\d+ from an earlier run\) · [\d.]+\/s · ETA 0s/);
    expect(
      w.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(OLD);
    // each snapshot deleted exactly once over both runs
    expect(deletes(w.emulator)).toBe(12);
  }, 120_000);

  it("a second SIGINT stops at once, naming the deletions still in flight; the resume settles them", async () => {
    const w = await slowWorld();
    const run = spawnCli(applyArgs(w.planFile, w.repo.dir), w.env);
    procs.push(run);
    await waitForStderr(run, /^deleted +us-east-1\/old-/m);
    run.child.kill("SIGINT");
    await waitForStderr(run, /press Ctrl-C again/);
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/in flight: \d+ — their delete may or may not have landed/);
    expect(r.stderr).toMatch(/^ {4}us-east-1\/old-\d\d$/m);
    const resumed = await runCli(resumeArgs(r.stderr), w.env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(
      w.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(OLD);
    expect(w.emulator.snapshots("us-east-1").map((s) => s.name)).toEqual(["web-1"]);
  }, 120_000);

  it("SIGTERM before any deletion started exits at once (143): nothing deleted, resume named", async () => {
    const w = await slowWorld();
    const before = w.emulator.calls().length;
    const run = spawnCli(applyArgs(w.planFile, w.repo.dir), w.env);
    procs.push(run);
    // the account proof is the first call apply makes; the latency keeps preflight running
    await waitUntil("apply's first call", () => w.emulator.calls().length > before, 60_000);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.code).toBe(143);
    expect(r.stderr).toContain("apply interrupted by SIGTERM");
    expect(r.stderr).toContain("not started: 12 (nothing was deleted by this run)");
    expect(r.stderr).toContain(
      `resume with: snapgate ${applyArgs(w.planFile, w.repo.dir).join(" ")}`,
    );
    expect(w.emulator.deletedSnapshots()).toEqual([]);
  }, 120_000);
});

describe("apply and plan on a terminal", () => {
  it("apply streams each result as it finishes, above a progress line", async () => {
    const w = await slowWorld();
    const r = await runOnTty([process.execPath, CLI, ...applyArgs(w.planFile, w.repo.dir)], w.env);
    expect(r.code, r.out).toBe(0);
    const first = r.out.search(/deleted +us-east-1\/old-\d\d: /);
    const summary = r.out.indexOf("Apply: 12 deleted");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(summary);
    expect(r.out.match(/deleted +us-east-1\/old-\d\d: /g)).toHaveLength(12);
    expect(r.out).toMatch(/\d+\/12 · [\d.]+\/s · ETA \d+s · 0 failed/);
  }, 120_000);

  it("plan shows listing progress on a terminal's stderr, and nothing of it when stderr is not a TTY", async () => {
    const w = await slowWorld();
    const tty = await runOnTty([process.execPath, CLI, "plan", "--repo", w.repo.dir], w.env);
    expect(tty.code, tty.out).toBe(0);
    expect(tty.out).toContain("listing live snapshots: 2/2 region(s) done, 13 snapshot(s) so far");
    const piped = await runCli(["plan", "--repo", w.repo.dir], w.env);
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain("listing live snapshots");
  }, 120_000);
});

describe("serve: one log line per snapshot", () => {
  it("names each deleted snapshot with its plan digest, as JSON and as --log-format pretty", async () => {
    const fleetNames = ["web-1", "web-old", "web-older"];
    serveWorld = await makeServeWorld({
      snapshots: fleetNames,
      files: {
        "snapgate.yaml": reconcilerYaml(),
        "snapshots/web.yaml": snapshotSetYaml(["web-1", "web-older"]),
      },
    });
    const w = serveWorld;
    const json = await w.startServe(["--interval", "0"]);
    await waitUntil("the start-up reconcile", async () => (await json.status()).reconciles >= 1);
    json.child.kill("SIGTERM");
    await json.exited;
    const records = json
      .stderr()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const planDigest = (await w.auditRecords()).find((r) => r.type === "plan")?.planDigest;
    expect(planDigest).toMatch(/^sha256:/);
    expect(records.filter((r) => r.snapshot !== undefined)).toEqual([
      expect.objectContaining({
        msg: "deleted us-east-1/web-old",
        region: "us-east-1",
        snapshot: "web-old",
        outcome: "deleted",
        planDigest,
      }),
    ]);

    await w.commitAndPush({ "snapshots/web.yaml": snapshotSetYaml(["web-1"]) });
    const pretty = await w.startServe(["--interval", "0", "--log-format", "pretty"]);
    await waitUntil(
      "the second start-up reconcile",
      async () => (await pretty.status()).reconciles >= 1,
    );
    pretty.child.kill("SIGTERM");
    await pretty.exited;
    const line = pretty
      .stderr()
      .split("\n")
      .find((l) => l.includes("deleted us-east-1/web-older"));
    expect(line, pretty.stderr()).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO {2}deleted us-east-1\/web-older {2}region=us-east-1 snapshot=web-older outcome=deleted planDigest=sha256:[0-9a-f]{64} /,
    );
    expect(pretty.stderr()).not.toMatch(/^\{/m);
    expect(w.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old", "web-older"]);
  }, 120_000);
});
