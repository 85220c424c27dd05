/**
 * The CI examples' own commands (read from examples/ci/*.yml, not copied) run
 * against a temp "origin" repo with main and a feature branch and the
 * emulator: the PR plan, then the default-branch plan and apply after the
 * merge. Tests the scripts' commands, not the hosts: actions, comment posting,
 * installation and credentials are left out.
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { segmentKey } from "../../src/audit-log/s3-audit.js";
import type { Plan } from "../../src/core/model.js";
import { git, tempDir } from "../helpers/git-repo.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";
import {
  type CiScript,
  type Env,
  githubStep,
  gitlabJob,
  installShim,
  runScript,
  type ScriptResult,
} from "./ci-examples.js";

// The examples keep their state on S3: a real one (versitygw) with Object Lock, whose root key
// is the emulator's built-in "test" key, so one credential chain serves both, as on AWS.
const BUCKET = "ci-state";
let gw: S3Gateway | undefined;
let runs = 0;
beforeAll(async () => {
  gw = await startS3Gateway({ accessKey: "test", secretKey: "test" });
  await gw.createBucket(BUCKET, { objectLock: { mode: "COMPLIANCE", days: 1 } });
}, 60_000);
afterAll(async () => {
  await gw?.stop();
});

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Setup {
  world: World;
  origin: string;
  baseSha: string;
  featureSha: string;
  hostEnv: Env;
  /** s3://bucket/prefix: vars.SNAPGATE_STATE on GitHub, the SNAPGATE_STATE CI/CD variable on GitLab */
  state: string;
  prefix: string;
}

/**
 * main keeps web-1 and web-old, so web-older is already pending there; the
 * feature branch drops web-old. web-young (too young) and web-held (legal
 * hold) are blocked either way; `manual` is out of scope.
 */
async function setup(featureKeep = webSet(["web-1"])): Promise<Setup> {
  world = await makeWorld({
    files: { "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1", "web-old"]) },
  });
  const origin = world.repo.dir;
  const baseSha = world.repo.head();
  git(origin, "checkout", "-q", "-b", "feature");
  const featureSha = world.repo.commit(
    { "snapshots/web.yaml": featureKeep },
    "stop keeping web-old",
  );
  git(origin, "checkout", "-q", "main");
  const bin = tempDir("snapgate-bin-");
  installShim(bin);
  const hostEnv: Env = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME ?? tempDir(),
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: world.emulator.url,
    AWS_ENDPOINT_URL_STS: world.emulator.url,
    XDG_CACHE_HOME: world.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    AWS_ENDPOINT_URL_S3: gw!.endpoint,
  };
  const prefix = `run-${++runs}`;
  return { world, origin, baseSha, featureSha, hostEnv, state: `s3://${BUCKET}/${prefix}`, prefix };
}

/** Every record of the state's audit chain on S3, as text. */
async function auditOnS3(s: Setup): Promise<string> {
  const store = gw!.store(BUCKET, s.prefix);
  let text = "";
  for (let n = 1; ; n++) {
    const segment = await store.read(segmentKey(n));
    if (segment === null) return text;
    text += segment;
  }
}

/** What actions/checkout and GitLab's runner leave: branches only as origin/*, HEAD detached at `sha`. */
function ciClone(origin: string, sha: string): string {
  const ws = tempDir("snapgate-ws-");
  git(ws, "init", "-q");
  git(ws, "fetch", "-q", origin, "+refs/heads/*:refs/remotes/origin/*");
  git(ws, "checkout", "-q", "--detach", sha);
  return ws;
}

function mergeFeature(origin: string): string {
  git(origin, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature");
  return git(origin, "rev-parse", "HEAD");
}

const readPlan = (dir: string): Plan =>
  JSON.parse(readFileSync(path.join(dir, "plan.json"), "utf8"));
const names = (rows: readonly { name: string }[]) => rows.map((r) => r.name).sort();

function expectSucceeded(r: ScriptResult): void {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

/** The PR comment: the change's own deletions apart from base's, blocked reasons, digest, apply command. */
function expectPrMarkdown(md: string, plan: Plan, s: Setup): void {
  expect(plan.source).toMatchObject({ commit: s.featureSha, base: s.baseSha });
  expect(names(plan.deletions)).toEqual(["web-old", "web-older"]);
  expect(names(plan.blocked)).toEqual(["web-held", "web-young"]);
  expect(md).toContain("**2** (1 introduced by this change)");
  const [introduced, pending] = md.split("#### Deletions already pending on base (1)");
  expect(introduced).toContain("#### Deletions introduced by this change (1)");
  expect(introduced).toMatch(/\| `web-old` \|/);
  expect(introduced).not.toMatch(/`web-older`/);
  expect(pending).toMatch(/\| `web-older` \|/);
  expect(pending).toContain("#### Blocked deletions (2)");
  expect(pending).toMatch(/\| us-east-1 \| `web-young` \| .* \| \*\*policy\*\*: /);
  expect(pending).toMatch(/\| us-east-1 \| `web-held` \|/);
  expect(md).toContain(`Plan digest: \`${plan.digest}\``);
  expect(md).toContain("```\nsnapgate apply plan.json\n```");
}

/**
 * After the merge: a plan for the merge commit is refused once main has moved
 * on (deleting nothing); the plan for the new tip applies and deletes exactly
 * its deletions.
 */
async function expectMainFlow(
  s: Setup,
  plan: (sha: string, cwd: string) => Promise<ScriptResult>,
  apply: (cwd: string) => Promise<ScriptResult>,
): Promise<void> {
  const mergeSha = mergeFeature(s.origin);
  const planDir = tempDir("snapgate-job-");
  expectSucceeded(await plan(mergeSha, planDir));
  expect(readPlan(planDir).source).toMatchObject({ commit: mergeSha, base: null });

  const movedSha = s.world.repo.commit({ "README.md": "unrelated change\n" }, "docs");
  const staleDir = tempDir("snapgate-job-");
  copyFileSync(path.join(planDir, "plan.json"), path.join(staleDir, "plan.json"));
  const refused = await apply(staleDir);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain("--require-branch main");
  expect(refused.stderr).toContain(mergeSha.slice(0, 12));
  expect(refused.stderr).toContain(movedSha.slice(0, 12));
  expect(s.world.emulator.deletedSnapshots()).toEqual([]);

  const tipDir = tempDir("snapgate-job-");
  expectSucceeded(await plan(movedSha, tipDir));
  const tipPlan = readPlan(tipDir);
  expect(tipPlan.source.commit).toBe(movedSha);
  expect(names(tipPlan.deletions)).toEqual(["web-old", "web-older"]);
  const applyDir = tempDir("snapgate-job-");
  copyFileSync(path.join(tipDir, "plan.json"), path.join(applyDir, "plan.json"));
  const applied = await apply(applyDir);
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain(
    "Apply: 2 deleted, 0 already absent, 0 skipped, 0 denied, 0 failed.",
  );
  expect(names(s.world.emulator.deletedSnapshots())).toEqual(names(tipPlan.deletions));
  // The audit chain on S3 holds this apply, after the plans of the earlier jobs; nothing of it
  // stayed in the job's directory.
  const audit = await auditOnS3(s);
  expect(audit).toContain(`"type":"apply-start"`);
  expect(audit).toContain(tipPlan.digest);
  expect(existsSync(path.join(applyDir, "snapgate-state"))).toBe(false);
}

describe("examples/ci/github-actions.yml", () => {
  function githubHost(s: Setup, files: string): Env {
    const output = path.join(files, "output");
    const summary = path.join(files, "summary.md");
    writeFileSync(output, "");
    writeFileSync(summary, "");
    return { ...s.hostEnv, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary };
  }
  const prExpressions = (s: Setup): Env => ({
    "github.event.pull_request.head.sha": s.featureSha,
    "github.event.pull_request.base.sha": s.baseSha,
    "vars.SNAPGATE_STATE": s.state,
  });
  /** The push jobs fetch SNAPGATE_REPO themselves: here, the temp origin instead of github.com. */
  const pushStep = (s: Setup, job: string, id: string, sha: string): CiScript => {
    const step = githubStep(job, id, {
      "github.sha": sha,
      "github.token": "unused",
      "github.repository": "acme/snapshots",
      "vars.SNAPGATE_STATE": s.state,
    });
    expect(step.env.SNAPGATE_REPO).toBe(
      "https://x-access-token:unused@github.com/acme/snapshots.git",
    );
    return { ...step, env: { ...step.env, SNAPGATE_REPO: s.origin } };
  };

  it("pull_request: comment markdown, step summary, exit 2 recorded, annotations for blocked deletions", async () => {
    const s = await setup();
    const ws = ciClone(s.origin, s.featureSha);
    const files = tempDir("snapgate-gh-");
    const host = githubHost(s, files);

    const plan = await runScript(githubStep("plan-pr", "plan", prExpressions(s)), ws, host);
    expectSucceeded(plan);
    expect(readFileSync(host.GITHUB_OUTPUT as string, "utf8")).toBe("exitcode=2\n");
    const md = readFileSync(path.join(ws, "plan.md"), "utf8");
    expectPrMarkdown(md, readPlan(ws), s);
    expect(readFileSync(host.GITHUB_STEP_SUMMARY as string, "utf8")).toBe(md);

    const annotate = await runScript(githubStep("plan-pr", "annotate", prExpressions(s)), ws, host);
    expectSucceeded(annotate);
    const warnings = annotate.stdout.split("\n").filter((l) => l.startsWith("::warning "));
    expect(warnings).toHaveLength(2);
    expect(warnings.join("\n")).toMatch(
      /^::warning title=snapgate%3A deletion of us-east-1\/web-young blocked::policy: /m,
    );
    expect(warnings.join("\n")).toMatch(
      /^::warning title=snapgate%3A deletion of us-east-1\/web-held blocked::/m,
    );
    expect(annotate.stdout).toMatch(
      /^::notice title=snapgate%3A will delete us-east-1\/web-old::/m,
    );
    expect(s.world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("pull_request: a plan that fails (bad YAML) fails the step instead of passing as 'no deletions'", async () => {
    const s = await setup(webSet(["web-1", '"not a name"']));
    const ws = ciClone(s.origin, s.featureSha);
    const host = githubHost(s, tempDir("snapgate-gh-"));
    const plan = await runScript(githubStep("plan-pr", "plan", prExpressions(s)), ws, host);
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/snapshots\/web\.yaml:\d+:\d+: spec\.keep\[1\]/);
    expect(readFileSync(host.GITHUB_OUTPUT as string, "utf8")).toBe("");
  });

  it("push to main: apply refuses a plan once main moved on, applies exactly the tip's plan", async () => {
    const s = await setup();
    const files = tempDir("snapgate-gh-");
    await expectMainFlow(
      s,
      async (sha, cwd) => {
        const host = githubHost(s, files);
        const r = await runScript(pushStep(s, "plan-main", "plan", sha), cwd, host);
        expect(readFileSync(host.GITHUB_OUTPUT as string, "utf8")).toBe("pending=true\n");
        return r;
      },
      (cwd) => runScript(pushStep(s, "apply-main", "apply", "unused"), cwd, githubHost(s, files)),
    );
    // The evidence step: the whole chain on S3 verifies, every segment under compliance retention.
    const verify = await runScript(
      pushStep(s, "apply-main", "verify", "unused"),
      tempDir("snapgate-job-"),
      githubHost(s, files),
    );
    expectSucceeded(verify);
    expect(verify.stdout).toMatch(new RegExp(`^${s.state}: intact, \\d+ records in \\d+ segments`));
    expect(verify.stdout).toMatch(/Object Lock: \d+ COMPLIANCE/);
  });
});

describe("examples/ci/gitlab-ci.yml", () => {
  it("merge request: note markdown, exit 2 passed on in plan.env", async () => {
    const s = await setup();
    const ws = ciClone(s.origin, s.featureSha);
    const job = gitlabJob("snapgate:plan-mr", {
      CI_COMMIT_SHA: s.featureSha,
      CI_MERGE_REQUEST_DIFF_BASE_SHA: s.baseSha,
      SNAPGATE_STATE: s.state,
    });
    expectSucceeded(await runScript(job, ws, s.hostEnv));
    expectPrMarkdown(readFileSync(path.join(ws, "plan.md"), "utf8"), readPlan(ws), s);
    expect(readFileSync(path.join(ws, "plan.env"), "utf8")).toBe("SNAPGATE_PLAN_EXIT=2\n");
  });

  it("default branch: apply refuses a plan once the branch moved on, applies exactly the tip's plan", async () => {
    const s = await setup();
    const predefined = (sha: string): Env => ({
      CI_COMMIT_SHA: sha,
      CI_DEFAULT_BRANCH: "main",
      CI_SERVER_PROTOCOL: "https",
      CI_JOB_TOKEN: "unused",
      CI_SERVER_HOST: "gitlab.example.com",
      CI_SERVER_PORT: "443",
      CI_PROJECT_PATH: "acme/snapshots",
      SNAPGATE_STATE: s.state,
    });
    /** The jobs fetch SNAPGATE_REPO themselves: here, the temp origin instead of the GitLab server. */
    const job = (name: string, sha: string): CiScript => {
      const j = gitlabJob(name, predefined(sha));
      expect(j.env.SNAPGATE_REPO).toBe(
        "https://gitlab-ci-token:unused@gitlab.example.com:443/acme/snapshots.git",
      );
      return { ...j, env: { ...j.env, SNAPGATE_REPO: s.origin } };
    };
    await expectMainFlow(
      s,
      async (sha, cwd) => {
        const r = await runScript(job("snapgate:plan-main", sha), cwd, s.hostEnv);
        // The job prints the plan for the approver.
        expect(r.stdout).toContain(`Plan digest: \`${readPlan(cwd).digest}\``);
        return r;
      },
      async (cwd) => {
        const r = await runScript(job("snapgate:apply-main", "unused"), cwd, s.hostEnv);
        // the job's last command verifies the whole chain on S3
        if (r.code === 0) expect(r.stdout).toMatch(new RegExp(`${s.state}: intact, \\d+ records`));
        return r;
      },
    );
  });
});
