/**
 * The shipped examples/hooks/post-receive, for real: a bare repository with
 * the hook installed, a working clone that pushes, and the daemon with a stub
 * reconcile that records its triggers.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReconcileTrigger } from "../../src/reconcile/types.js";
import { type RunningDaemon, runDaemon } from "../../src/serve/daemon.js";
import { SECRET, silentLog } from "./helpers.js";

const run = promisify(execFile);
const HOOK = resolve(import.meta.dirname, "../../examples/hooks/post-receive");

let dir: string;
let bare: string;
let work: string;
let daemon: RunningDaemon | undefined;
let triggers: ReconcileTrigger[];

async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(
    "git",
    [
      "-c",
      "user.name=T",
      "-c",
      "user.email=t@example.com",
      "-c",
      "init.defaultBranch=main",
      ...args,
    ],
    {
      cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", ...env },
    },
  );
}

async function commitAndPush(message: string, branch: string, env: NodeJS.ProcessEnv) {
  await writeFile(join(work, `${message}.txt`), message);
  await git(work, ["add", "."]);
  await git(work, ["commit", "-q", "-m", message]);
  const pushed = await git(work, ["push", "origin", `HEAD:refs/heads/${branch}`], env);
  const head = (await git(work, ["rev-parse", "HEAD"])).stdout.trim();
  return { head, stderr: pushed.stderr };
}

beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), "snapgate-hook-")));
  bare = join(dir, "snapshots.git");
  work = join(dir, "work");
  await git(dir, ["init", "-q", "--bare", bare]);
  await copyFile(HOOK, join(bare, "hooks", "post-receive"));
  await git(dir, ["clone", "-q", bare, work]);
  await writeFile(join(dir, "secret"), `# rotated in first\n${SECRET}\n`, { mode: 0o600 });
  triggers = [];
  daemon = await runDaemon({
    port: 0,
    secrets: [SECRET],
    repo: bare,
    branch: "main",
    interval: 0,
    log: silentLog(),
    reconcile: async (t) => {
      triggers.push(t);
      return { commit: t.kind === "webhook" ? t.commit : null, ok: true };
    },
  });
  await daemon.idle();
});

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("examples/hooks/post-receive", () => {
  it("a push to main posts a signed generic event that queues a reconcile of the pushed commit", async () => {
    const env = { SNAPGATE_URL: daemon!.url, SNAPGATE_WEBHOOK_SECRET_FILE: join(dir, "secret") };
    const { head, stderr } = await commitAndPush("first", "main", env);
    expect(stderr).toContain("HTTP 202");
    await daemon!.idle();
    expect(triggers).toHaveLength(2);
    expect(triggers[1]).toEqual({
      kind: "webhook",
      receiver: "generic",
      deliveryId: expect.stringMatching(/^[0-9a-f]{32}$/),
      commit: head,
    });
  });

  it("a push to another branch is ignored", async () => {
    const env = { SNAPGATE_URL: daemon!.url, SNAPGATE_WEBHOOK_SECRET_FILE: join(dir, "secret") };
    const { stderr } = await commitAndPush("feature", "feature", env);
    expect(stderr).toContain('"status":"ignored"');
    await daemon!.idle();
    expect(triggers).toEqual([{ kind: "start" }]);
  });

  it("a hook with the wrong secret is refused, and the push itself still succeeds", async () => {
    await writeFile(join(dir, "wrong"), "not-the-secret-at-all-xxxx\n");
    const env = { SNAPGATE_URL: daemon!.url, SNAPGATE_WEBHOOK_SECRET_FILE: join(dir, "wrong") };
    const { head, stderr } = await commitAndPush("forged", "main", env);
    expect(stderr).toContain("HTTP 401");
    const remoteHead = (await git(bare, ["rev-parse", "refs/heads/main"])).stdout.trim();
    expect(remoteHead).toBe(head);
    await daemon!.idle();
    expect(triggers).toEqual([{ kind: "start" }]);
  });

  it("an unreachable daemon does not fail the push", async () => {
    const env = {
      SNAPGATE_URL: "http://127.0.0.1:9",
      SNAPGATE_WEBHOOK_SECRET_FILE: join(dir, "secret"),
    };
    const { head, stderr } = await commitAndPush("offline", "main", env);
    expect(stderr).toContain("could not notify");
    expect((await git(bare, ["rev-parse", "refs/heads/main"])).stdout.trim()).toBe(head);
  });
});
