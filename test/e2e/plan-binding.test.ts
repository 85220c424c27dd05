/**
 * Through the built CLI: a plan file is bound to the repository the operator
 * names and to the account the credentials prove (sts:GetCallerIdentity).
 * Forged plans from another repository, commits no branch holds, a branch
 * tip that moved, and credentials of another account are refused before any
 * delete; the right plan, repository and account still delete the plan.
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal, journalPath, openMarkerPath } from "../../src/apply/journal.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { git, makeRepo, tempDir } from "../helpers/git-repo.js";
import { ACCOUNT, makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
let other: RunningEmulator | undefined;

afterEach(async () => {
  await world?.close();
  await other?.close();
  world = undefined;
  other = undefined;
});

/** The CLI's environment against `endpoint` (Lightsail and STS on one port, like the emulator's). */
function envFor(w: World, endpoint = w.emulator.url): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: endpoint,
    AWS_ENDPOINT_URL_STS: endpoint,
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    SNAPGATE_REPO: "",
  };
}

async function planOf(w: World, repo: string, extra: string[] = [], name = "plan.json") {
  const planFile = path.join(w.stateDir, "..", name);
  const r = await runCli(["plan", "--repo", repo, "--out", planFile, ...extra], envFor(w));
  expect(r.code, r.stderr).toBe(0);
  const plan = JSON.parse(readFileSync(planFile, "utf8"));
  expect(plan.deletions.map((d: { name: string }) => d.name).sort()).toEqual([
    "web-old",
    "web-older",
  ]);
  return { planFile, plan };
}

const apply = (w: World, planFile: string, args: string[], env = envFor(w)) =>
  runCli(["apply", planFile, "--auto-approve", ...args], env);

const deletedNames = (e: RunningEmulator) =>
  e
    .deletedSnapshots()
    .map((d) => d.name)
    .sort();

describe("apply binds a plan to the repository the operator names", () => {
  it("without --repo or SNAPGATE_REPO it refuses, telling to pass --repo; SNAPGATE_REPO works", async () => {
    world = await makeWorld();
    const { planFile } = await planOf(world, world.repo.dir);
    const callsBefore = world.emulator.calls().length;
    const r = await apply(world, planFile, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pass --repo <url|path> (or set SNAPGATE_REPO)");
    expect(r.stderr).toContain(world.repo.dir);
    expect(world.emulator.calls().length).toBe(callsBefore);
    expect(world.emulator.deletedSnapshots()).toEqual([]);

    const viaEnv = await apply(world, planFile, [], {
      ...envFor(world),
      SNAPGATE_REPO: world.repo.dir,
    });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);
    expect(deletedNames(world.emulator)).toEqual(["web-old", "web-older"]);
  });

  it("a forged plan made from another repository is refused naming both; nothing is deleted", async () => {
    world = await makeWorld();
    // Self-consistent and digest-valid, but from a repository the operator never named.
    const evil = makeRepo({
      "snapgate.yaml": RECONCILER.replace("minSnapshotsPerDisk: 1", "minSnapshotsPerDisk: 0"),
      "snapshots/web.yaml": webSet(["web-1"]),
    });
    const { planFile, plan } = await planOf(world, evil.dir, [], "evil.json");
    expect(plan.source.repo).toBe(evil.dir);
    const r = await apply(world, planFile, ["--repo", world.repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the plan was made from ${evil.dir}`);
    expect(r.stderr).toContain(`not from the repository you named (${world.repo.dir})`);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    expect(world.emulator.calls().some((c) => c.operation === "DeleteDiskSnapshot")).toBe(false);
  });

  it("the same repository under another spelling (a symlink) is the same repository", async () => {
    world = await makeWorld();
    const { planFile } = await planOf(world, world.repo.dir);
    const link = path.join(tempDir("snapgate-link-"), "repo");
    symlinkSync(world.repo.dir, link);
    const r = await apply(world, planFile, ["--repo", link]);
    expect(r.code, r.stderr).toBe(0);
    // the summary names what was applied: the operator's repository at the plan's commit
    expect(r.stdout).toContain(`Applied ${link}@${world.repo.head().slice(0, 12)} (ref main)`);
    expect(deletedNames(world.emulator)).toEqual(["web-old", "web-older"]);
  });

  it("a plan of a commit no branch contains (its branch deleted) is refused naming the commit", async () => {
    world = await makeWorld();
    git(world.repo.dir, "checkout", "-q", "-b", "feature");
    const unmerged = world.repo.commit({ "notes.txt": "never merged" }, "unmerged work");
    git(world.repo.dir, "checkout", "-q", "main");
    // a bare sha ref: nothing can "move", so only reachability can tell
    const { planFile } = await planOf(world, world.repo.dir, ["--ref", unmerged]);
    git(world.repo.dir, "branch", "-q", "-D", "feature");

    const r = await apply(world, planFile, ["--repo", world.repo.dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `the plan's commit ${unmerged} is on no branch of ${world.repo.dir}`,
    );
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("a bare sha ref of a commit on a branch is applied, and --require-branch asks the operator's repository", async () => {
    world = await makeWorld();
    const planned = world.repo.head();
    const { planFile } = await planOf(world, world.repo.dir, ["--ref", planned]);
    const moved = world.repo.commit({ "notes.txt": "later" }, "main moves on");

    const stale = await apply(world, planFile, [
      "--repo",
      world.repo.dir,
      "--require-branch",
      "main",
    ]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      `--require-branch main: the plan was made for ${planned.slice(0, 12)} but main is at ${moved.slice(0, 12)} in ${world.repo.dir}`,
    );
    expect(world.emulator.deletedSnapshots()).toEqual([]);

    // the branch the operator requires, at the planned commit in their repository
    git(world.repo.dir, "branch", "-q", "release", planned);
    const tip = await apply(world, planFile, [
      "--repo",
      world.repo.dir,
      "--require-branch",
      "release",
    ]);
    expect(tip.code, tip.stderr).toBe(0);
    expect(deletedNames(world.emulator)).toEqual(["web-old", "web-older"]);
  });
});

describe("apply proves the plan's account with sts:GetCallerIdentity", () => {
  it("credentials of another (empty) account are refused before any delete, nothing is recorded absent, and the right account then deletes the plan", async () => {
    world = await makeWorld();
    other = await startEmulator({
      seed: {
        account: "999988887777",
        regions: { "us-east-1": { snapshots: [] }, "eu-west-2": { snapshots: [] } },
      },
    });
    const { planFile, plan } = await planOf(world, world.repo.dir);
    // a crash left a delete of an earlier plan open: settling it needs the proven account too
    const EARLIER = `sha256:${"e".repeat(64)}`;
    const held = world.emulator.snapshots("us-east-1").find((s) => s.name === "web-young");
    const earlier = await Journal.open(journalPath(world.stateDir, EARLIER));
    await earlier.intent("us-east-1/web-young", held!.arn);
    writeFileSync(openMarkerPath(world.stateDir, EARLIER), ACCOUNT);

    const wrong = await apply(
      world,
      planFile,
      ["--repo", world.repo.dir],
      envFor(world, other.url),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("the credentials belong to account 999988887777");
    expect(wrong.stderr).toContain(`but the plan is for account ${ACCOUNT}`);
    expect(other.calls().map((c) => c.operation)).toEqual(["GetCallerIdentity"]);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    const audit = path.join(world.stateDir, "audit.jsonl");
    const results = existsSync(audit)
      ? readFileSync(audit, "utf8")
          .split("\n")
          .filter((l) => l.includes('"delete-result"'))
      : [];
    expect(results).toEqual([]);
    expect(existsSync(journalPath(world.stateDir, plan.digest))).toBe(false);
    const stillOpen = await Journal.open(journalPath(world.stateDir, EARLIER));
    expect(stillOpen.interrupted().map((i) => i.key)).toEqual(["us-east-1/web-young"]);

    const unreachable = await apply(world, planFile, ["--repo", world.repo.dir], {
      ...envFor(world),
      AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(
      `cannot prove the credentials belong to account ${ACCOUNT}: sts:GetCallerIdentity failed`,
    );
    expect(world.emulator.deletedSnapshots()).toEqual([]);

    const right = await apply(world, planFile, ["--repo", world.repo.dir, "--format", "json"]);
    expect(right.code, right.stderr).toBe(0);
    const result = JSON.parse(right.stdout);
    expect(result.counts).toMatchObject({ deleted: 2, absent: 0 });
    expect(deletedNames(world.emulator)).toEqual(["web-old", "web-older"]);
  });
});
