/**
 * Notifications from `snapgate serve`, end to end: the built CLI as a daemon,
 * the emulator as Lightsail, and real HTTP receivers started here
 * (node:http on 127.0.0.1). The targets are the repository's own
 * spec.notifications; their URLs and keys live in files and env vars of the
 * daemon, never in the repository.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { matchesAnySecret } from "../../src/core/hmac.js";
import { deadUrl, startReceiver, type TestReceiver } from "../helpers/receiver.js";
import {
  makeServeWorld,
  reconcilerYaml,
  type ServeWorld,
  snapshotSetYaml,
  waitUntil,
} from "./serve-world.js";

const WEB = ["web-1", "web-old", "web-older", "web-young"];
const HOOK_KEY = "serve-notify-hook-key-0123456789abcdef";
const HANG_KEY = "serve-notify-hang-key-fedcba9876543210";
const SLACK_TOKEN = "T0E2E/B0E2E/e2e-slack-token-not-for-logs";

let world: ServeWorld | undefined;
const receivers: TestReceiver[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const r of receivers.splice(0)) await r.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

const notificationsYaml = (
  hookUrl: string,
  hangUrl: string,
  slowUrl: string,
  keyFile: string,
) => `  notifications:
    - name: hook
      type: webhook
      url: ${hookUrl}
      secretFile: ${keyFile}
    - name: hang
      type: webhook
      url: ${hangUrl}
      secretEnv: SNAPGATE_TEST_HANG_KEY
      timeout: 60s
      retries: 0
    - name: slow
      type: webhook
      url: ${slowUrl}
      secretEnv: SNAPGATE_TEST_HANG_KEY
      timeout: 1s
      retries: 0
    - name: down
      type: slack
      urlEnv: SNAPGATE_TEST_SLACK_URL
      timeout: 2s
      retries: 1
`;

const verifies = (key: string, body: string, header: unknown) =>
  typeof header === "string" &&
  header.startsWith("sha256=") &&
  matchesAnySecret([key], new TextEncoder().encode(body), header.slice(7));

describe("snapgate serve notifications", () => {
  it("an apply reaches the receiver signed; receivers that hang or are down delay no reconcile and are counted", async () => {
    const hook = await receiver();
    const hang = await receiver(() => "hang");
    const slow = await receiver(() => "hang");
    const slackUrl = `${(await deadUrl()).replace("/hook", "")}/services/${SLACK_TOKEN}`;
    const keys = await mkdtemp(path.join(tmpdir(), "snapgate-notify-keys-"));
    dirs.push(keys);
    const keyFile = path.join(keys, "hook-key");
    await writeFile(keyFile, `${HOOK_KEY}\n`, { mode: 0o600 });
    const yaml = reconcilerYaml() + notificationsYaml(hook.url, hang.url, slow.url, keyFile);
    world = await makeServeWorld({
      snapshots: WEB,
      files: { "snapgate.yaml": yaml, "snapshots/web.yaml": snapshotSetYaml(WEB) },
    });
    const w = world;
    const serve = await w.startServe(["--webhook-secret-file", w.secretFile, "--interval", "0"], {
      SNAPGATE_TEST_HANG_KEY: HANG_KEY,
      SNAPGATE_TEST_SLACK_URL: slackUrl,
    });
    await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);
    // Nothing to delete at start: nobody is told.
    expect(hook.requests).toEqual([]);

    const first = await w.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(WEB.filter((n) => n !== "web-old")) },
      { message: "drop web-old", hookUrl: serve.url },
    );
    const delivered = await waitUntil("the apply notification", () => hook.requests[0]);
    expect(delivered.headers["x-snapgate-event"]).toBe("apply");
    expect(verifies(HOOK_KEY, delivered.body, delivered.headers["x-snapgate-signature"])).toBe(
      true,
    );
    expect(verifies(HANG_KEY, delivered.body, delivered.headers["x-snapgate-signature"])).toBe(
      false,
    );
    const doc = JSON.parse(delivered.body);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      source: "snapgate",
      event: "apply",
      data: {
        source: { repo: w.bare, ref: "main", commit: first.head },
        counts: { deleted: 1, absent: 0, skipped: 0, denied: 0, failed: 0 },
        trigger: "webhook",
      },
    });
    expect(doc.summary).toMatch(/^\*snapgate applied a plan\*\n/);

    // The hanging receiver still holds the first apply's message (60 s timeout), and yet the
    // next push is reconciled and applied: delivery runs beside the reconciles, not in them.
    await waitUntil("the hanging receiver to hold a request", () => hang.hanging() === 1);
    const second = await w.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(["web-1", "web-young"]) },
      { message: "drop web-older", hookUrl: serve.url },
    );
    await waitUntil("the second apply", async () => {
      const s = await serve.status();
      return s.lastApply?.commit === second.head;
    });
    expect(hang.hanging()).toBe(1);
    expect(hang.requests).toHaveLength(1);
    expect(w.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old", "web-older"]);
    await waitUntil("the second apply notification", () => hook.requests[1]);
    expect(JSON.parse(hook.requests[1]!.body).data.source.commit).toBe(second.head);

    // The Slack target is down: two attempts per message, each refused, counted in /metrics.
    const metrics = await waitUntil("the down target's failures", async () => {
      const text = await serve.metrics();
      return (
        /snapgate_notifications_total\{target="down",event="apply",result="failed"\} 2/.test(
          text,
        ) && text
      );
    });
    expect(metrics).toMatch(
      /^snapgate_notification_attempts_total\{target="down",result="network"\} 4$/m,
    );
    expect(metrics).toMatch(
      /^snapgate_notifications_total\{target="hook",event="apply",result="delivered"\} 2$/m,
    );
    // The slow receiver never answers: each attempt ends at its 1 s timeout, counted as such.
    const timedOut = await waitUntil("the slow target's timeouts", async () => {
      const text = await serve.metrics();
      return (
        /snapgate_notifications_total\{target="slow",event="apply",result="failed"\} 2/.test(
          text,
        ) && text
      );
    });
    expect(timedOut).toMatch(
      /^snapgate_notification_attempts_total\{target="slow",result="timeout"\} 2$/m,
    );
    expect(metrics).toMatch(/^snapgate_reconciles_total\{result="applied"\} 2$/m);

    const records = await w.auditRecords();
    const told = records
      .filter((r) => r.type === "notification")
      .map((r) => `${r.target}:${r.event}:${r.result}`);
    expect(told.filter((t) => t.startsWith("hook:"))).toEqual([
      "hook:apply:delivered",
      "hook:apply:delivered",
    ]);
    expect(told.filter((t) => t.startsWith("down:"))).toEqual([
      "down:apply:failed",
      "down:apply:failed",
    ]);

    // SIGTERM cuts the hanging attempt short; the daemon exits cleanly.
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    const logsAndAudit = `${serve.stderr()}\n${JSON.stringify(await w.auditRecords())}`;
    expect(logsAndAudit).toContain("notification delivered");
    expect(logsAndAudit).toContain('"target":"hang"');
    for (const secret of [HOOK_KEY, HANG_KEY, SLACK_TOKEN, slackUrl]) {
      expect(logsAndAudit).not.toContain(secret);
    }
  });

  it("a reconcile that fails is told to the last known targets, once per failure", async () => {
    const hook = await receiver();
    const keys = await mkdtemp(path.join(tmpdir(), "snapgate-notify-keys-"));
    dirs.push(keys);
    const keyFile = path.join(keys, "hook-key");
    await writeFile(keyFile, `${HOOK_KEY}\n`, { mode: 0o600 });
    const yaml = `${reconcilerYaml()}  notifications:
    - name: hook
      type: webhook
      url: ${hook.url}
      secretFile: ${keyFile}
      events: [failed]
`;
    world = await makeServeWorld({
      snapshots: WEB,
      files: { "snapgate.yaml": yaml, "snapshots/web.yaml": snapshotSetYaml(WEB) },
    });
    const w = world;
    const serve = await w.startServe(["--webhook-secret-file", w.secretFile, "--interval", "0"]);
    await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);

    // A typo in the desired state: the commit cannot be loaded, so its own targets are unknown.
    const broken = await w.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(WEB).replace("keep:", "kepp:") },
      { message: "typo", hookUrl: serve.url },
    );
    const req = await waitUntil("the failure notification", () => hook.requests[0]);
    expect(verifies(HOOK_KEY, req.body, req.headers["x-snapgate-signature"])).toBe(true);
    const doc = JSON.parse(req.body);
    expect(doc).toMatchObject({
      event: "failed",
      data: { reason: "BadInput", step: "load-desired", source: { commit: broken.head } },
    });
    expect(doc.data.error).toContain('snapshots/web.yaml:6:3: spec.kepp: unknown field "kepp"');

    // The same commit reconciled again (a manual re-push of the same head) fails the same way:
    // nobody is told twice.
    const again = await serve.postGeneric(
      JSON.stringify({ repo: w.bare, ref: "refs/heads/main", after: broken.head }),
      { deliveryId: "again-1" },
    );
    expect(again.status).toBe(202);
    await waitUntil("the repeated reconcile", async () => (await serve.status()).reconciles >= 3);
    serve.child.kill("SIGTERM");
    await serve.exited;
    expect(hook.requests).toHaveLength(1);
  });

  it("a covered disk without a fresh backup is told once, signed, and not again while it stays stale", async () => {
    const hook = await receiver();
    const keys = await mkdtemp(path.join(tmpdir(), "snapgate-notify-keys-"));
    dirs.push(keys);
    const keyFile = path.join(keys, "hook-key");
    await writeFile(keyFile, `${HOOK_KEY}\n`, { mode: 0o600 });
    // web-data's newest snapshot is 30 days old: far beyond a 26 h window
    const yaml = `${reconcilerYaml()}  freshness:
    maxAge: 26h
    sources:
      disks: { matchTags: { team: web } }
  notifications:
    - name: hook
      type: webhook
      url: ${hook.url}
      secretFile: ${keyFile}
      events: [stale, failed]
`;
    world = await makeServeWorld({
      snapshots: WEB,
      files: { "snapgate.yaml": yaml, "snapshots/web.yaml": snapshotSetYaml(WEB) },
    });
    const w = world;
    const serve = await w.startServe(["--webhook-secret-file", w.secretFile, "--interval", "0"]);
    const delivered = await waitUntil("the stale notification", () => hook.requests[0]);
    expect(delivered.headers["x-snapgate-event"]).toBe("stale");
    expect(verifies(HOOK_KEY, delivered.body, delivered.headers["x-snapgate-signature"])).toBe(
      true,
    );
    const doc = JSON.parse(delivered.body);
    expect(doc.event).toBe("stale");
    expect(JSON.stringify(doc.data)).toContain("web-data");
    expect(doc.summary).toMatch(/without a fresh backup/);

    // Another reconcile (a push that changes nothing about backups): the same stale source
    // is not told again.
    const next = await w.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml([...WEB, "web-extra"]) },
      { message: "declare one more", hookUrl: serve.url },
    );
    await waitUntil("the second reconcile", async () => {
      const s = await serve.status();
      return s.lastCommit === next.head && s.reconciles >= 2;
    });
    const metrics = await serve.metrics();
    expect(metrics).toMatch(
      /snapgate_source_freshness_status\{[^}]*source="web-data"[^}]*status="stale"\} 1/,
    );
    // Then a commit that fails to load: its `failed` message goes through the same per-target
    // queue, after anything the second reconcile sent, so once it is here the count is final.
    await w.commitAndPush(
      { "snapgate.yaml": "apiVersion: snapgate.dev/v1\nkind: Reconciler\nspec: [\n" },
      { message: "break snapgate.yaml", hookUrl: serve.url },
    );
    await waitUntil("the failure notification", () =>
      hook.requests.find((r) => r.headers["x-snapgate-event"] === "failed"),
    );
    expect(hook.requests.map((r) => r.headers["x-snapgate-event"])).toEqual(["stale", "failed"]);
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  });
});
