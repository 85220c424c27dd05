/**
 * Where the desired state may live, through the built CLI against a real git
 * repo and the emulator: nested sets are read (their keep protects), either
 * reconciler spelling works, both together are refused, and a YAML file
 * snapgate does not read is a warning naming it.
 */
import { afterEach, describe, expect, it } from "vitest";
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
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
}

async function planJson(files: Record<string, string>) {
  world = await makeWorld({ files });
  const r = await runCli(["plan", "--repo", world.repo.dir, "--format", "json"], envFor(world));
  return { ...r, plan: r.code === 0 ? JSON.parse(r.stdout) : undefined };
}

const names = (entries: { name: string }[]) => entries.map((e) => e.name).sort();

const NOT_READ =
  "YAML file not read by snapgate, which reads only snapgate.yaml (or .yml) and snapshots/**/*.yaml (or .yml)";

describe("desired-state layout (built CLI)", () => {
  it("reads a set moved to snapshots/prod/: its keep protects its snapshots", async () => {
    const r = await planJson({
      "snapgate.yaml": RECONCILER,
      "snapshots/prod/web.yaml": webSet(["web-1", "web-old"]),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // only the undeclared, old enough, unprotected snapshot is deleted
    expect(names(r.plan.deletions)).toEqual(["web-older"]);
    const touched = [...names(r.plan.deletions), ...names(r.plan.blocked)];
    expect(touched).not.toContain("web-1");
    expect(touched).not.toContain("web-old");
    expect(r.plan.summary.desired).toBe(2);
  });

  it("accepts a repository with only snapgate.yml", async () => {
    const r = await planJson({
      "snapgate.yml": RECONCILER,
      "snapshots/web.yaml": webSet(["web-1"]),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(names(r.plan.deletions)).toEqual(["web-old", "web-older"]);
  });

  it("refuses snapgate.yaml and snapgate.yml together, deleting and planning nothing", async () => {
    const r = await planJson({
      "snapgate.yaml": RECONCILER,
      "snapgate.yml": RECONCILER,
      "snapshots/web.yaml": webSet(["web-1"]),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "snapgate.yml: both snapgate.yaml and snapgate.yml exist: keep only one",
    );
  });

  it("warns about each YAML file it does not read, on stderr, in markdown and in audit; not about known files", async () => {
    const files = {
      "snapgate.yaml": RECONCILER,
      "snapshots/web.yaml": webSet(["web-1"]),
      "snapshot/db.yaml": webSet(["web-old"]),
      "Snapshots/x.yaml": webSet(["web-old"]),
      "db.yaml": webSet(["web-old"]),
      "Snapgate.yaml": RECONCILER,
      "snapshots/x.yaml.bak": "not yaml\n",
      ".github/workflows/ci.yml": "on: push\n",
      "policies/extra.yaml": "a: 1\n",
      "iam/notes.yaml": "a: 1\n",
    };
    const expected = [
      `snapgate: warning: Snapgate.yaml: ${NOT_READ}: names are case-sensitive, rename it to snapgate.yaml`,
      `snapgate: warning: Snapshots/x.yaml: ${NOT_READ}: snapshot sets belong under snapshots/ (lower case), move it there`,
      `snapgate: warning: db.yaml: ${NOT_READ}; if it declares snapshots, move it under snapshots/`,
      `snapgate: warning: snapshot/db.yaml: ${NOT_READ}: snapshot sets belong under snapshots/ (lower case), move it there`,
    ];

    const r = await planJson(files);
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split("\n")).toEqual(expected);
    // the ignored files declared nothing: web-old is still a deletion (the warning is the signal)
    expect(names(r.plan.deletions)).toEqual(["web-old", "web-older"]);

    const env = envFor(world!);
    const md = await runCli(["plan", "--repo", world!.repo.dir, "--format", "markdown"], env);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("#### :warning: Warnings (4)");
    // markdown-escaped (the glob's stars), still naming the file
    expect(md.stdout).toContain("- snapshot/db.yaml: YAML file not read by snapgate");
    expect(md.stdout).toContain(String.raw`snapshots/\*\*/\*.yaml`);

    const audit = await runCli(["audit", "--repo", world!.repo.dir, "--format", "json"], env);
    expect(audit.stderr.trimEnd().split("\n")).toEqual(expected);
  });

  it("names a misspelled Snapgate.yaml when the reconciler is then not found", async () => {
    const r = await planJson({
      "Snapgate.yaml": RECONCILER,
      "snapshots/web.yaml": webSet(["web-1"]),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `snapgate: warning: Snapgate.yaml: ${NOT_READ}: names are case-sensitive, rename it to snapgate.yaml`,
    );
    expect(r.stderr).toContain("snapgate.yaml: not found");
  });
});
