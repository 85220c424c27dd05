import { copyFile, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { S3Journal } from "../../src/apply/s3-journal.js";
import type { Plan } from "../../src/core/model.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { S3StateStore } from "../../src/state/s3-store.js";
import type { CliResult } from "../helpers/cli.js";
import { tempDir } from "../helpers/git-repo.js";
import type { S3Gateway } from "../helpers/s3-gateway.js";
import { duplicates } from "../resilience/evidence.js";
import { type CliProcess, spawnCli } from "../resilience/proc.js";
import {
  ACCOUNT,
  bigFleet,
  cliEnv,
  type Dirs,
  makeDirs,
  makePlan,
  type WorldShape,
} from "../resilience/world.js";

export { ACCOUNT };

export const SMALL: WorldShape = {
  approvedPerRegion: 40,
  keptPerRegion: 4,
  outOfScopePerRegion: 2,
};

export interface S3World {
  emulator: RunningEmulator;
  dirs: Dirs;
  /** s3://bucket/prefix */
  state: string;
  store: S3StateStore;
  /** environment of every process: Lightsail on the emulator, S3 on the gateway */
  env: NodeJS.ProcessEnv;
  plan: Plan;
  initialArns: string[];
}

let worlds = 0;

/** The gateway's key as an emulator principal allowed everything: one key for both services. */
function principalOf(gw: S3Gateway) {
  return {
    accessKeyId: gw.accessKey,
    secretAccessKey: gw.secretKey,
    policy: { Statement: { Effect: "Allow" as const, Action: "*", Resource: "*" } },
  };
}

export async function s3World(
  gw: S3Gateway,
  bucket: string,
  opts: { shape?: WorldShape; autoApply?: boolean; plan?: boolean; env?: NodeJS.ProcessEnv } = {},
  cleanups: (() => Promise<void>)[] = [],
): Promise<S3World> {
  const shape = opts.shape ?? SMALL;
  const emulator = await startEmulator({
    seed: { ...bigFleet(shape), principals: [principalOf(gw)] },
  });
  cleanups.push(() => emulator.close());
  const dirs = makeDirs(shape, opts.autoApply ?? false);
  const prefix = `world-${process.pid}-${++worlds}`;
  const state = `s3://${bucket}/${prefix}`;
  const env: NodeJS.ProcessEnv = {
    ...cliEnv(dirs, emulator.url),
    ...gw.env(),
    SNAPGATE_STATE: state,
    // a state directory nobody must use: SNAPGATE_STATE wins over it
    SNAPGATE_STATE_DIR: path.join(dirs.root, "unused-state-dir"),
    ...opts.env,
  };
  const initialArns = emulator.snapshots().map((s) => s.arn);
  const plan =
    opts.plan === false
      ? (undefined as unknown as Plan)
      : await makePlan(dirs, workEnv(env, dirs.root));
  return { emulator, dirs, state, store: gw.store(bucket, prefix), env, plan, initialArns };
}

/** A fresh working directory holding only a copy of the plan file. */
export async function workDir(w: S3World, name: string): Promise<string> {
  const dir = path.join(tempDir(`snapgate-wd-${name}-`));
  if (w.plan) await copyFile(w.dirs.planFile, path.join(dir, "plan.json"));
  return dir;
}

/** Its own git cache under the working directory; nothing else local. */
function workEnv(env: NodeJS.ProcessEnv, dir: string): NodeJS.ProcessEnv {
  return { ...env, XDG_CACHE_HOME: path.join(dir, "cache"), HOME: dir };
}

export type Proc = CliProcess;

/** The built CLI in `dir` (its working directory), with the world's environment. */
export function spawnIn(
  w: S3World,
  dir: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Proc {
  return spawnCli(args, { ...workEnv(w.env, dir), ...extraEnv }, { cwd: dir });
}

export function runIn(
  w: S3World,
  dir: string,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return spawnIn(w, dir, args, extraEnv).done;
}

export const APPLY = [
  "apply",
  "plan.json",
  "--auto-approve",
  "--concurrency",
  "8",
  "--rate",
  "200",
];

export function applyArgs(w: S3World, ...more: string[]): string[] {
  return [...APPLY, "--repo", w.dirs.repo.dir, ...more];
}

export const LOCK_HELD =
  /another apply holds the lock for account \d{12}: pid (\d+) on (\S+) since \S+ \(apply sha256:[0-9a-f]{64}\), lock id (\S+) in (s3:\/\/\S+), lease \d+ s; try again when it has finished/;

/**
 * Applies until one run exits 0. A run refused because another holds the lock
 * (a lease left by a killed or paused holder runs out by the server's clock)
 * is tried again; any other failure is returned as it is.
 */
export async function applyUntilDone(
  w: S3World,
  dir: string,
  extraEnv: NodeJS.ProcessEnv = {},
  maxRuns = 200,
): Promise<{ final: CliResult; refusals: number }> {
  let refusals = 0;
  for (let i = 0; i < maxRuns; i++) {
    const r = await runIn(w, dir, applyArgs(w, "--format", "json"), extraEnv);
    if (r.code === 1 && LOCK_HELD.test(r.stderr)) {
      refusals++;
      await sleep(200);
      continue;
    }
    return { final: r, refusals };
  }
  throw new Error(`the lock was never free after ${maxRuns} runs`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `cond` until it holds (an event, not a duration), failing after `timeoutMs`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Each approved snapshot deleted exactly once by one DeleteDiskSnapshot; nothing else. */
export function expectExactlyOnce(w: S3World): void {
  const approved = w.plan.deletions.map((d) => d.arn).sort();
  const deleted = w.emulator.deletedSnapshots().map((d) => d.arn);
  expect(duplicates(deleted)).toEqual([]);
  expect(deleted.sort()).toEqual(approved);
  const perName = new Map<string, number>();
  for (const c of w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")) {
    const k = `${c.region}/${c.target}`;
    perName.set(k, (perName.get(k) ?? 0) + 1);
  }
  expect([...perName].filter(([, n]) => n !== 1)).toEqual([]);
  expect([...perName.keys()].sort()).toEqual(
    w.plan.deletions.map((d) => `${d.region}/${d.name}`).sort(),
  );
  const gone = new Set(approved);
  expect(
    w.emulator
      .snapshots()
      .map((s) => s.arn)
      .sort(),
  ).toEqual(w.initialArns.filter((a) => !gone.has(a)).sort());
}

/** No intent without a result in the plan's S3 journal, and no open marker left. */
export async function expectNothingOpen(w: S3World): Promise<void> {
  const journal = await S3Journal.open(w.store, w.plan.digest);
  expect(journal.interrupted()).toEqual([]);
  expect((await w.store.list("journals")).filter((k) => k.endsWith(".open"))).toEqual([]);
}

/** The whole audit chain on S3 verifies through the CLI, with no open intent. */
export async function expectAuditIntact(w: S3World, dir: string): Promise<CliResult> {
  const r = await runIn(w, dir, ["audit-log", "verify"]);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`^${w.state}: intact, \\d+ records in \\d+ segments`));
  expect(r.stdout).not.toContain("without a result");
  return r;
}

/** What a working directory holds besides its plan file and git cache: it must be nothing. */
export async function localState(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === "cache" || r === "plan.json") continue;
      if (e.isDirectory()) await walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  await mkdir(dir, { recursive: true });
  await walk(dir, "");
  return out;
}
