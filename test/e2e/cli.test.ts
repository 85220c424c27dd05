/** The built CLI as a subprocess against the emulator and a real git repo. */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { runCli } from "../helpers/cli.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function envFor(w: World): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: w.emulator.url,
    AWS_ENDPOINT_URL_STS: w.emulator.url,
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
}

describe("snapgate CLI", () => {
  it("prints help", async () => {
    const r = await runCli(["--help"]);
    expect(r.code).toBe(0);
    for (const cmd of ["plan", "apply", "emulator", "audit-log", "iam-policy"])
      expect(r.stdout).toContain(cmd);
  });

  it("rejects an unknown flag with exit 1", async () => {
    const r = await runCli(["plan", "--repo", ".", "--bogus"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it("plan → apply: exit 2 with --detailed-exitcode, then deletes exactly the plan", async () => {
    world = await makeWorld();
    const env = envFor(world);
    const planFile = path.join(world.stateDir, "..", "plan.json");
    const p = await runCli(
      ["plan", "--repo", world.repo.dir, "--out", planFile, "--detailed-exitcode"],
      env,
    );
    expect(p.stderr).toBe("");
    expect(p.code).toBe(2);
    expect(p.stdout).toMatch(/- us-east-1\s+web-old\s+30d\s+64 GiB\s+not-declared/);
    expect(p.stdout).toMatch(/x us-east-1\s+web-held/);
    expect(p.stdout).toContain("Plan: 2 to delete, 2 blocked, 0 missing");

    const noTty = await runCli(["apply", planFile, "--repo", world.repo.dir], env);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toContain("--auto-approve");
    expect(world.emulator.deletedSnapshots()).toEqual([]);

    const a = await runCli(
      ["apply", planFile, "--repo", world.repo.dir, "--auto-approve", "--format", "json"],
      env,
    );
    expect(a.code).toBe(0);
    const result = JSON.parse(a.stdout);
    expect(result.counts).toMatchObject({ deleted: 2, failed: 0 });
    expect(
      world.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(["web-old", "web-older"]);

    const v = await runCli(["audit-log", "verify", path.join(world.stateDir, "audit.jsonl")], env);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/intact, \d+ records/);
  });

  it("serve refuses --keyring-dir without --verify-commits (and the reverse): no look-alike verification", async () => {
    for (const flags of [["--keyring-dir", "/tmp"], ["--verify-commits"]]) {
      const r = await runCli(["serve", "--repo", "/tmp", ...flags]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("--verify-commits and --keyring-dir go together");
    }
  });

  it("audit-log verify names delete intents still without a result, and exits 0 (the chain is intact)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "snapgate-verify-"));
    const file = path.join(dir, "audit.jsonl");
    const log = new AuditLog(file);
    const planDigest = `sha256:${"c".repeat(64)}`;
    await log.append("delete-intent", { planDigest, region: "eu-west-2", name: "db-7" });
    const v = await runCli(["audit-log", "verify", file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("intact, 1 records");
    expect(v.stdout).toContain("1 delete intent(s) without a result");
    expect(v.stdout).toContain("record 1: eu-west-2/db-7 (plan sha256:cccccccccccc…)");
  });

  it("bad YAML gives exit 1 with file:line:col and field, and contacts nothing", async () => {
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1", '"web data"']) },
    });
    const r = await runCli(["plan", "--repo", world.repo.dir], envFor(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /snapshots\/web\.yaml:\d+:\d+: spec\.keep\[1\]: "web data" is not a valid Lightsail resource name/,
    );
    expect(world.emulator.calls()).toEqual([]);
  });

  it("a tampered plan file is refused with exit 1 and deletes nothing", async () => {
    world = await makeWorld();
    const env = envFor(world);
    const planFile = path.join(world.stateDir, "..", "plan.json");
    await runCli(["plan", "--repo", world.repo.dir, "--out", planFile], env);
    const text = await readFile(planFile, "utf8");
    await writeFile(planFile, text.replace('"web-older"', '"web-1"'));
    const r = await runCli(["apply", planFile, "--repo", world.repo.dir, "--auto-approve"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/digest does not match/);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("show renders a saved plan without contacting Lightsail", async () => {
    world = await makeWorld();
    const env = envFor(world);
    const planFile = path.join(world.stateDir, "..", "plan.json");
    await runCli(["plan", "--repo", world.repo.dir, "--out", planFile], env);
    const callsBefore = world.emulator.calls().length;
    const plan = JSON.parse(await readFile(planFile, "utf8"));
    const md = await runCli(["show", planFile, "--format", "markdown"], env);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(plan.digest);
    const gh = await runCli(["show", planFile, "--format", "github"], env);
    expect(gh.stdout).toMatch(
      /^::warning title=snapgate%3A deletion of us-east-1\/web-held blocked::/m,
    );
    expect(world.emulator.calls().length).toBe(callsBefore);
  });

  it("an unwritable --out is a clear error, not an internal one", async () => {
    world = await makeWorld();
    const r = await runCli(
      ["plan", "--repo", world.repo.dir, "--out", "/nonexistent/dir/plan.json"],
      envFor(world),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--out \/nonexistent\/dir\/plan\.json: cannot write the plan file/);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it("keeps the git cache inside --state-dir (SPEC §6)", async () => {
    world = await makeWorld();
    const { XDG_CACHE_HOME: _unused, ...env } = envFor(world);
    const r = await runCli(["plan", "--repo", world.repo.dir, "--state-dir", world.stateDir], env);
    expect(r.code).toBe(0);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(path.join(world.stateDir, "git")).some((f) => f.endsWith(".git"))).toBe(
      true,
    );
  });

  it("a broken plan file gives a located error", async () => {
    world = await makeWorld();
    const planFile = path.join(world.stateDir, "..", "broken.json");
    await writeFile(planFile, '{\n  "formatVersion": 1,\n  "createdAt": oops\n}\n');
    const r = await runCli(
      ["apply", planFile, "--repo", world.repo.dir, "--auto-approve"],
      envFor(world),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.json:3:\d+: invalid JSON/);
  });

  it("audit-log verify exits 1 on an edited log", async () => {
    world = await makeWorld();
    const env = envFor(world);
    await runCli(["plan", "--repo", world.repo.dir], env);
    const log = path.join(world.stateDir, "audit.jsonl");
    const text = await readFile(log, "utf8");
    await writeFile(log, text.replace('"verdict":"approved"', '"verdict":"blocked"'));
    const r = await runCli(["audit-log", "verify", log], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/BROKEN: hash does not match/);
  });

  it("iam-policy prints a policy that denies protected snapshots", async () => {
    world = await makeWorld();
    const r = await runCli(["iam-policy", "--repo", world.repo.dir], envFor(world));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const deny = doc.Statement.find((s: { Sid: string }) => s.Sid === "DenyProtected");
    expect(deny).toMatchObject({ Effect: "Deny", Action: "lightsail:DeleteDiskSnapshot" });
  });
});
