/**
 * `apply --notify` and `audit --notify` through the built CLI, against the
 * emulator and real HTTP receivers started here: the repository's targets
 * (spec.notifications) and the command line's are both told; the exit code
 * is the command's own whatever the receivers do; secrets stay out of the
 * output and the audit log.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matchesAnySecret } from "../../src/core/hmac.js";
import { runCli } from "../helpers/cli.js";
import { makeRepo, tempDir } from "../helpers/git-repo.js";
import { deadUrl, startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

const KEY = "cli-notify-hmac-key-0123456789abcdef";
const SLACK_TOKEN = "T0CLI/B0CLI/cli-slack-token-not-for-logs";

let world: World | undefined;
const receivers: TestReceiver[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function envFor(w: World, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: w.emulator.url,
    AWS_ENDPOINT_URL_STS: w.emulator.url,
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    SNAPGATE_LOG_LEVEL: "info",
    ...extra,
  };
}

/** The scenario's desired state, with a Slack target whose URL the daemon's env holds. */
const RECONCILER_WITH_SLACK = `${RECONCILER}  notifications:
    - name: ops
      type: slack
      urlEnv: SNAPGATE_TEST_SLACK_URL
`;

const verifies = (body: string, header: unknown) =>
  typeof header === "string" &&
  header.startsWith("sha256=") &&
  matchesAnySecret([KEY], new TextEncoder().encode(body), header.slice(7));

async function auditText(w: World): Promise<string> {
  return readFile(path.join(w.stateDir, "audit.jsonl"), "utf8");
}

async function planFileOf(w: World, env: NodeJS.ProcessEnv): Promise<string> {
  const planFile = path.join(w.stateDir, "..", "plan.json");
  const p = await runCli(["plan", "--repo", w.repo.dir, "--out", planFile], env);
  expect(p.code).toBe(0);
  return planFile;
}

describe("apply --notify", () => {
  it("tells the repository's Slack target and the command line's signed webhook what was applied", async () => {
    const hook = await receiver((n) => (n === 1 ? 503 : 200));
    const slack = await receiver(() => 200, `/services/${SLACK_TOKEN}`);
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER_WITH_SLACK, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const keyFile = path.join(tempDir("snapgate-keys-"), "key");
    await writeFile(keyFile, `${KEY}\n`, { mode: 0o600 });
    const env = envFor(world, { SNAPGATE_TEST_SLACK_URL: slack.url });
    const planFile = await planFileOf(world, env);

    const a = await runCli(
      [
        "apply",
        planFile,
        "--repo",
        world.repo.dir,
        "--auto-approve",
        "--notify",
        "--notify-webhook-url",
        hook.url,
        "--notify-webhook-secret-file",
        keyFile,
      ],
      env,
    );
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("Apply: 2 deleted");

    // The webhook answered 503 first: retried with the same delivery id, then delivered.
    expect(hook.requests).toHaveLength(2);
    const [failedAttempt, delivered] = hook.requests;
    expect(failedAttempt!.headers["x-snapgate-delivery"]).toBe(
      delivered!.headers["x-snapgate-delivery"],
    );
    expect(verifies(delivered!.body, delivered!.headers["x-snapgate-signature"])).toBe(true);
    const doc = JSON.parse(delivered!.body);
    expect(doc).toMatchObject({
      event: "apply",
      data: {
        source: { repo: world.repo.dir, commit: world.repo.head() },
        counts: { deleted: 2, failed: 0 },
        trigger: "cli",
      },
    });

    expect(slack.requests).toHaveLength(1);
    const text = JSON.parse(slack.requests[0]!.body);
    expect(Object.keys(text)).toEqual(["text"]);
    expect(text.text).toMatch(/^\*snapgate applied a plan\*\n/);
    expect(text.text).toContain("2 deleted, 0 already absent, 0 skipped, 0 denied, 0 failed");

    const audit = await auditText(world);
    const told = audit
      .split("\n")
      .filter((l) => l.includes('"type":"notification"'))
      .map((l) => JSON.parse(l))
      .map((r) => `${r.target}:${r.event}:${r.result}:${r.attempts}`)
      .sort();
    expect(told).toEqual(["cli-webhook:apply:delivered:2", "ops:apply:delivered:1"]);
    const verify = await runCli(["audit-log", "verify", path.join(world.stateDir, "audit.jsonl")]);
    expect(verify.code).toBe(0);
    for (const secret of [KEY, SLACK_TOKEN, slack.url]) {
      expect(`${a.stdout}${a.stderr}${audit}`).not.toContain(secret);
    }
  });

  it("a receiver that is down changes neither the apply nor its exit code; the failure is logged by name", async () => {
    world = await makeWorld();
    const env = envFor(world, { SNAPGATE_NOTIFY_WEBHOOK_SECRET: KEY });
    const planFile = await planFileOf(world, env);
    const down = await deadUrl();
    const a = await runCli(
      [
        "apply",
        planFile,
        "--repo",
        world.repo.dir,
        "--auto-approve",
        "--notify",
        "--notify-webhook-url",
        down,
      ],
      env,
    );
    expect(a.code).toBe(0);
    expect(
      world.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(["web-old", "web-older"]);
    expect(a.stderr).toContain("notification not delivered");
    expect(a.stderr).toContain('"target":"cli-webhook"');
    expect(a.stderr).not.toContain(KEY);
    const failed = (await auditText(world))
      .split("\n")
      .filter((l) => l.includes('"type":"notification"'))
      .map((l) => JSON.parse(l));
    expect(failed).toEqual([
      expect.objectContaining({ target: "cli-webhook", result: "failed", attempts: 4 }),
    ]);
  });

  it("a refused apply is told as a failure; the refusal still decides the exit code", async () => {
    const hook = await receiver();
    world = await makeWorld();
    const env = envFor(world, { SNAPGATE_NOTIFY_WEBHOOK_SECRET: KEY });
    const planFile = await planFileOf(world, env);
    const other = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet([]) });
    const a = await runCli(
      [
        "apply",
        planFile,
        "--repo",
        other.dir,
        "--auto-approve",
        "--notify",
        "--notify-webhook-url",
        hook.url,
      ],
      env,
    );
    expect(a.code).not.toBe(0);
    expect(a.stderr).toContain("not from the repository you named");
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    // A refused plan's commit names no targets: only the command line's target is told.
    expect(a.stderr).toContain(
      "the apply was refused, so the plan's commit is not trusted to name targets; only command-line targets are notified",
    );
    expect(hook.requests).toHaveLength(1);
    const doc = JSON.parse(hook.requests[0]!.body);
    expect(doc.event).toBe("failed");
    expect(doc.data.error).toContain("not from the repository you named");
    expect(doc.data.trigger).toBe("cli");
  });

  it("a refused plan's commit does not choose who is told: its spec.notifications are not read", async () => {
    const hook = await receiver();
    const repoTarget = await receiver(() => 200, `/services/${SLACK_TOKEN}`);
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER_WITH_SLACK, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const env = envFor(world, {
      SNAPGATE_NOTIFY_WEBHOOK_SECRET: KEY,
      SNAPGATE_TEST_SLACK_URL: repoTarget.url,
    });
    const planFile = await planFileOf(world, env);
    // main moves on: the plan's commit is no longer its tip, and --require-branch refuses it
    world.repo.commit({ "README.md": "moved on\n" });
    const a = await runCli(
      [
        "apply",
        planFile,
        "--repo",
        world.repo.dir,
        "--require-branch",
        "main",
        "--auto-approve",
        "--notify",
        "--notify-webhook-url",
        hook.url,
      ],
      env,
    );
    expect(a.code).not.toBe(0);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    expect(a.stderr).toContain("not trusted to name targets");
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]!.body).event).toBe("failed");
    expect(repoTarget.requests).toHaveLength(0);
  });

  it("without --notify nobody is told, even with targets configured", async () => {
    const slack = await receiver();
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER_WITH_SLACK, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const env = envFor(world, { SNAPGATE_TEST_SLACK_URL: slack.url });
    const planFile = await planFileOf(world, env);
    const a = await runCli(["apply", planFile, "--repo", world.repo.dir, "--auto-approve"], env);
    expect(a.code).toBe(0);
    expect(slack.requests).toEqual([]);
  });
});

describe("audit --notify", () => {
  it("tells the targets that the account is not compliant, and exits 4 as always", async () => {
    const slack = await receiver();
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER_WITH_SLACK, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const env = envFor(world, { SNAPGATE_TEST_SLACK_URL: slack.url });
    const r = await runCli(["audit", "--repo", world.repo.dir, "--notify"], env);
    expect(r.code).toBe(4);
    expect(slack.requests).toHaveLength(1);
    const text = JSON.parse(slack.requests[0]!.body).text as string;
    expect(text).toMatch(/^\*snapgate audit: NOT COMPLIANT\*\n/);
    expect(text).toMatch(/2 would-delete/);
  });
});
