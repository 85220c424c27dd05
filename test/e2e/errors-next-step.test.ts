/**
 * Issue 16, point 7: what a new user saw when something was set up wrong, and what the
 * built CLI says now — each error names the cause and the next step, exit codes unchanged.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/git-repo.js";
import { makeWorld, NOW_MS, type World } from "../helpers/scenario.js";
import { spawnCli, waitForOutput } from "../resilience/proc.js";

let world: World | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
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

/** An environment in which the SDK's default chain finds nothing (and asks no metadata service). */
function noCredentials(w: World): NodeJS.ProcessEnv {
  const home = tempDir("snapgate-nocreds-");
  return {
    ...envFor(w),
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, "no-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "",
    AWS_CONTAINER_CREDENTIALS_FULL_URI: "",
    AWS_WEB_IDENTITY_TOKEN_FILE: "",
  };
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

describe("errors that say what to do", () => {
  it("no credentials: plan and apply name the chain and the usual fixes, once", async () => {
    world = await makeWorld();
    const env = noCredentials(world);
    const plan = await runCli(["plan", "--repo", world.repo.dir], env);
    expect(plan.code).toBe(1);
    // before: `region eu-central-1: GetDisks failed: CredentialsProviderError …`
    expect(plan.stderr).toContain("no usable AWS credentials");
    expect(occurrences(plan.stderr, "no usable AWS credentials")).toBe(1);
    expect(plan.stderr).not.toMatch(/region (us-east-1|eu-west-2):/);
    for (const fix of ["AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID", "~/.aws/"])
      expect(plan.stderr).toContain(fix);
    expect(plan.stderr).not.toContain("internal error");

    // apply (with a plan made while credentials worked): the same message, before any delete
    const planFile = path.join(world.stateDir, "..", "plan.json");
    const made = await runCli(["plan", "--repo", world.repo.dir, "--out", planFile], envFor(world));
    expect(made.code, made.stderr).toBe(0);
    const apply = await runCli(
      ["apply", planFile, "--repo", world.repo.dir, "--auto-approve"],
      env,
    );
    expect(apply.code).toBe(1);
    expect(occurrences(apply.stderr, "no usable AWS credentials")).toBe(1);
    expect(apply.stderr).toContain("aws sso login");
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("credentials the service rejects are told apart from missing ones", async () => {
    world = await makeWorld();
    const r = await runCli(["plan", "--repo", world.repo.dir], {
      ...envFor(world),
      AWS_ACCESS_KEY_ID: "AKIAUNKNOWNKEY000000",
      AWS_SECRET_ACCESS_KEY: "whatever",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AWS rejected the credentials");
    expect(r.stderr).toContain("AWS_PROFILE");
  });

  it("--endpoint-url without a scheme is a user error naming the fix; nothing is contacted", async () => {
    world = await makeWorld();
    const port = new URL(world.emulator.url).port;
    const r = await runCli(
      ["plan", "--repo", world.repo.dir, "--endpoint-url", `127.0.0.1:${port}`],
      envFor(world),
    );
    expect(r.code).toBe(1);
    // before: `internal error: TypeError: Invalid URL`
    expect(r.stderr).not.toContain("Invalid URL");
    expect(r.stderr).toContain("needs a scheme");
    expect(r.stderr).toContain(`http://127.0.0.1:${port}`);
    const env = await runCli(["plan", "--repo", world.repo.dir], {
      ...envFor(world),
      AWS_ENDPOINT_URL_LIGHTSAIL: `localhost:${port}`,
    });
    expect(env.code).toBe(1);
    expect(env.stderr).toContain(`AWS_ENDPOINT_URL_LIGHTSAIL: "localhost:${port}"`);
    expect(env.stderr).toContain(`http://localhost:${port}`);
    expect(world.emulator.calls()).toEqual([]);
  });

  it("a port in use is a user error with the hint, for the emulator and for serve", async () => {
    world = await makeWorld();
    const port = new URL(world.emulator.url).port;
    const emu = await runCli(["emulator", "--port", port]);
    expect(emu.code).toBe(1);
    // before: `internal error: listen EADDRINUSE …`
    expect(emu.stderr).not.toContain("internal error");
    expect(emu.stderr).toContain(`port ${port} is already in use`);
    expect(emu.stderr).toContain("--port 0 picks a free one");
    const serve = await runCli(
      ["serve", "--repo", world.repo.dir, "--port", port, "--interval", "0"],
      envFor(world),
    );
    expect(serve.code).toBe(1);
    expect(serve.stderr).not.toContain("internal error");
    expect(serve.stderr).toContain(`serve: port ${port} is already in use`);
  });

  it("audit --format html without --report-dir is refused up front", async () => {
    world = await makeWorld();
    const r = await runCli(["audit", "--repo", world.repo.dir, "--format", "html"], envFor(world));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--format html writes report files: add --report-dir <dir>");
    expect(world.emulator.calls()).toEqual([]);
    // one report has a place without a directory: stdout (markdown, or json alone)
    const md = await runCli(
      ["audit", "--repo", world.repo.dir, "--format", "markdown"],
      envFor(world),
    );
    expect([0, 4]).toContain(md.code);
    expect(md.stdout).toContain("snapgate audit of");
    const json = await runCli(
      ["audit", "--repo", world.repo.dir, "--format", "json"],
      envFor(world),
    );
    expect([0, 4]).toContain(json.code);
    expect(JSON.parse(json.stdout)).toMatchObject({ schemaVersion: 2 });
    const two = await runCli(
      ["audit", "--repo", world.repo.dir, "--format", "json,markdown"],
      envFor(world),
    );
    expect(two.code).toBe(1);
    expect(two.stderr).toContain("--format json,markdown writes report files");
  });

  it("a mistyped flag is named with a suggestion, without 30 lines of help", async () => {
    const r = await runCli(["plan", "--rpeo", "/tmp/x"]);
    expect(r.code).toBe(1);
    // before: only `required option '--repo' not specified`, then the whole help
    expect(r.stderr).toContain("unknown option '--rpeo'");
    expect(r.stderr).toContain("Did you mean --repo?");
    expect(r.stderr).not.toContain("Options:");
    expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
    expect(r.stderr).toContain("snapgate plan --help");
    const cmd = await runCli(["plna"]);
    expect(cmd.code).toBe(1);
    expect(cmd.stderr).toContain("Did you mean plan?");
  });

  it("the emulator says when an existing --state overrides the seed", async () => {
    const dir = tempDir("snapgate-emu-state-");
    const seed = path.join(dir, "fleet.yaml");
    const state = path.join(dir, "state.json");
    writeFileSync(
      seed,
      'account: "111122223333"\nregions:\n  us-east-1:\n    snapshots:\n      - { name: first, createdAt: "2026-11-01T00:00:00Z", tags: { managed-by: snapgate } }\n',
    );
    const start = async () => {
      const proc = spawnCli(["emulator", "--port", "0", "--seed", seed, "--state", state], {});
      cleanups.push(() => proc.kill());
      await waitForOutput(proc, /listening on http/);
      proc.child.kill("SIGTERM");
      return proc.done;
    };
    const fresh = await start();
    expect(fresh.stderr).not.toContain("ignored");
    expect(existsSync(state)).toBe(true);
    const again = await start();
    // before: the edited seed was silently ignored
    expect(again.stderr).toContain(
      `${state} exists, so its state is used and the seed ${seed} is ignored`,
    );
    expect(again.stderr).toContain(`delete ${state} to start from the seed`);
  });
});
