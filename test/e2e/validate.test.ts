/**
 * Issue 16, point 5, through the built CLI: uncommitted edits were ignored
 * silently (plan reads the committed ref) and there was no offline check to
 * run before committing. Now `snapgate validate [dir]` checks the working tree
 * as it is, the shipped pre-commit hook refuses a bad staged state, and `plan`
 * on a local path warns when the working tree differs from what it plans.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";
import { git, makeRepo } from "../helpers/git-repo.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");

const setYaml = (name: string, keep: string) => `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: ${name} }
spec:
  region: us-east-1
  keep: [${keep}]
`;

function write(dir: string, file: string, text: string) {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

describe("snapgate validate [dir]", () => {
  it("passes a valid working tree, offline, and says what it checked", async () => {
    const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
    // no credentials, no endpoint: nothing is contacted
    const r = await runCli(["validate", repo.dir], {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_ENDPOINT_URL_LIGHTSAIL: "http://127.0.0.1:9",
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `snapgate validate: ${repo.dir} is valid: snapgate.yaml and 1 SnapshotSet file (1 set, 1 keep name, 0 retain rules); policy builtin\n`,
    );
  });

  it("warns about a YAML file snapgate does not read (a misplaced set protects nothing)", async () => {
    const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
    write(repo.dir, "snapshot/db.yaml", setYaml("db", "db-1"));
    write(repo.dir, ".github/workflows/ci.yml", "on: push\n");
    const r = await runCli(["validate", repo.dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^snapgate: warning: .*snapshot\/db\.yaml/);
    expect(r.stderr).not.toContain("ci.yml");
  });

  it("checks uncommitted and untracked files: schema, names and cross-file problems, located", async () => {
    const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
    // an uncommitted edit and an untracked file, both wrong
    write(repo.dir, "snapshots/web.yaml", setYaml("web", '"web 1"'));
    write(repo.dir, "snapshots/more.yaml", setYaml("web", "web-2"));
    const r = await runCli(["validate"], {}, undefined, repo.dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      'snapshots/web.yaml:6:10: spec.keep[0]: "web 1" is not a valid Lightsail resource name',
    );

    // each file fine on its own, but two sets of one name
    write(repo.dir, "snapshots/web.yaml", setYaml("web", "web-1"));
    const cross = await runCli(["validate"], {}, undefined, repo.dir);
    expect(cross.code).toBe(1);
    expect(cross.stderr).toMatch(
      /snapshots\/web\.yaml:3:\d+: metadata\.name: SnapshotSet "web" is already declared at snapshots\/more\.yaml:3:\d+/,
    );
  });

  it("compiles the repository's Rego and parses its IAM policy document, with located errors", async () => {
    const reconciler = RECONCILER.replace("bundle: builtin", "bundle: policies").replace(
      "    data: { minAgeDays: 7 }\n",
      "    data: { minAgeDays: 7 }\n  access:\n    iamPolicy: iam/reconciler.json\n",
    );
    const repo = makeRepo({
      "snapgate.yaml": reconciler,
      "snapshots/web.yaml": webSet(["web-1"]),
      "policies/deletion.rego":
        'package snapgate.deletion\n\ndeny contains "x" if {\n\tinput.snapshot.name ==\n}\n',
      "iam/reconciler.json": '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Alow" } ] }\n',
    });
    const env = { PATH: `${path.join(REPO_ROOT, ".tools", "bin")}:${process.env.PATH}` };
    const bad = await runCli(["validate", repo.dir], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/policies\/deletion\.rego:\d+(:\d+)?: rego_parse_error/);

    write(
      repo.dir,
      "policies/deletion.rego",
      'package snapgate.deletion\n\ndeny contains "x" if input.snapshot.name == "never"\n',
    );
    const iam = await runCli(["validate", repo.dir], env);
    expect(iam.code).toBe(1);
    expect(iam.stderr).toMatch(/iam\/reconciler\.json:1:\d+: Statement\[0\]\.Effect: /);

    write(
      repo.dir,
      "iam/reconciler.json",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "lightsail:DeleteDiskSnapshot", Resource: "*" }],
      }),
    );
    const ok = await runCli(["validate", repo.dir], env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("policy policies; IAM policy iam/reconciler.json");
  });
});

describe("examples/hooks/pre-commit", () => {
  it("refuses a commit whose staged desired state is invalid and lets a valid one through", () => {
    const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
    const hook = path.join(repo.dir, ".git", "hooks", "pre-commit");
    copyFileSync(path.join(REPO_ROOT, "examples", "hooks", "pre-commit"), hook);
    chmodSync(hook, 0o755);
    const env = {
      ...process.env,
      SNAPGATE: `${process.execPath} ${CLI}`,
      NODE_NO_WARNINGS: "1",
      GIT_AUTHOR_NAME: "a",
      GIT_AUTHOR_EMAIL: "a@example.com",
      GIT_COMMITTER_NAME: "a",
      GIT_COMMITTER_EMAIL: "a@example.com",
    };
    const commit = (message: string) =>
      spawnSync("git", ["-c", "commit.gpgsign=false", "commit", "-q", "-m", message], {
        cwd: repo.dir,
        env,
        encoding: "utf8",
      });

    write(repo.dir, "snapshots/web.yaml", setYaml("web", '"web 1"'));
    git(repo.dir, "add", "snapshots/web.yaml");
    const refused = commit("typo");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      'snapshots/web.yaml:6:10: spec.keep[0]: "web 1" is not a valid Lightsail resource name',
    );
    expect(refused.stderr).toContain("commit refused");

    // the staged content is what counts: a fixed file staged, a broken one left unstaged
    write(repo.dir, "snapshots/web.yaml", setYaml("web", "web-1, web-old"));
    git(repo.dir, "add", "snapshots/web.yaml");
    write(repo.dir, "snapshots/web.yaml", "not: [valid");
    const head = repo.head();
    const accepted = commit("fixed");
    expect(accepted.stderr).toBe("");
    expect(accepted.status).toBe(0);
    expect(repo.head()).not.toBe(head);
  });
});

describe("plan on a local path", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("warns, naming the files, when the working tree differs from the ref it plans", async () => {
    world = await makeWorld();
    const env = {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_LIGHTSAIL: world.emulator.url,
      SNAPGATE_STATE_DIR: world.stateDir,
      XDG_CACHE_HOME: world.cacheDir,
      SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    };
    const clean = await runCli(["plan", "--repo", world.repo.dir], env);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe("");

    // the user keeps web-old, but does not commit; and adds a set without `git add`
    write(world.repo.dir, "snapshots/web.yaml", webSet(["web-1", "web-old"]));
    write(world.repo.dir, "snapshots/db.yaml", setYaml("db", "db-1"));
    write(world.repo.dir, "notes.txt", "not desired state\n");
    const dirty = await runCli(["plan", "--repo", world.repo.dir], env);
    expect(dirty.code).toBe(0);
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: world.repo.dir })
      .toString()
      .trim();
    expect(dirty.stderr).toContain(
      `snapgate: warning: the working tree of ${world.repo.dir} differs from`,
    );
    expect(dirty.stderr).toContain(
      `(${sha.slice(0, 12)}), which this plan reads: snapshots/db.yaml (untracked), snapshots/web.yaml (modified); the plan does not include these changes`,
    );
    expect(dirty.stderr).not.toContain("notes.txt");
    // the plan is still the committed one: web-old is a deletion
    expect(dirty.stdout).toMatch(/- us-east-1\s+web-old/);
  });
});
