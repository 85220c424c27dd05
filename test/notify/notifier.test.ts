/**
 * Delivery against real HTTP receivers (node:http on 127.0.0.1), counted by
 * the real metrics, recorded in a real audit log, logged through pino into a
 * buffer: signatures, retries, timeouts, refusals, and secrets kept out of
 * every log line and record.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
import { matchesAnySecret } from "../../src/core/hmac.js";
import { NOTIFY_EVENT_KINDS, type NotificationSpec } from "../../src/core/model.js";
import { Notifier, type NotifyEvent } from "../../src/notify/index.js";
import { createMetrics } from "../../src/serve/metrics.js";
import { deadUrl, startReceiver, type TestReceiver } from "../helpers/receiver.js";

const KEY = "notify-test-hmac-key-0123456789abcdef";
const SLACK_TOKEN = "T0SLACK/B0TOKEN/s3cr3t-slack-token-value";

const EVENT: NotifyEvent = {
  kind: "apply",
  source: { repo: "/srv/snapshots.git", ref: "main", commit: "0123456789abcdef0123" },
  planDigest: `sha256:${"cd".repeat(32)}`,
  counts: { deleted: 1, absent: 0, skipped: 0, denied: 0, failed: 0 },
  trigger: "webhook",
};

const receivers: TestReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function target(over: Partial<NotificationSpec> & Pick<NotificationSpec, "url">): NotificationSpec {
  return {
    name: "hook",
    type: "webhook",
    secret: { env: "SNAPGATE_TEST_KEY" },
    events: NOTIFY_EVENT_KINDS,
    timeoutMs: 10_000,
    retries: 2,
    ...over,
  };
}

async function harness(targets: NotificationSpec[], env: NodeJS.ProcessEnv = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), "snapgate-notify-"));
  const auditFile = path.join(dir, "audit.jsonl");
  const audit = new AuditLog(auditFile);
  const metrics = createMetrics({ defaultMetrics: false });
  let logText = "";
  const log = pino(
    { level: "debug" },
    new Writable({
      write(chunk, _enc, cb) {
        logText += chunk;
        cb();
      },
    }),
  );
  const notifier = new Notifier({
    targets,
    env: { SNAPGATE_TEST_KEY: KEY, ...env },
    audit,
    log,
    observer: metrics.notifications,
    backoffBaseMs: 20,
  });
  return {
    dir,
    notifier,
    metrics: () => metrics.render(),
    logText: () => logText,
    auditText: () => readFile(auditFile, "utf8").catch(() => ""),
    auditRecords: async () =>
      (await readFile(auditFile, "utf8").catch(() => ""))
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
    auditFile,
  };
}

describe("notifier", () => {
  it("signs the webhook body with HMAC-SHA256 over the exact bytes, and records who was told", async () => {
    const r = await receiver();
    const h = await harness([target({ url: { literal: r.url } })]);
    h.notifier.send([EVENT]);
    await h.notifier.idle();

    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["x-snapgate-event"]).toBe("apply");
    const signature = req.headers["x-snapgate-signature"] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const body = new TextEncoder().encode(req.body);
    expect(matchesAnySecret([KEY], body, signature.slice(7))).toBe(true);
    expect(matchesAnySecret(["some-other-key-0123456789"], body, signature.slice(7))).toBe(false);
    const doc = JSON.parse(req.body);
    expect(doc).toMatchObject({ event: "apply", id: req.headers["x-snapgate-delivery"] });
    expect(doc.data.counts.deleted).toBe(1);

    expect(await h.metrics()).toMatch(
      /^snapgate_notifications_total\{target="hook",event="apply",result="delivered"\} 1$/m,
    );
    const records = await h.auditRecords();
    expect(records).toEqual([
      expect.objectContaining({
        type: "notification",
        target: "hook",
        targetType: "webhook",
        event: "apply",
        result: "delivered",
        attempts: 1,
        status: 200,
        deliveryId: doc.id,
      }),
    ]);
    expect((await verifyAuditLog(h.auditFile)).ok).toBe(true);
  });

  it("retries a failed attempt with the same delivery id and signature, then delivers", async () => {
    const r = await receiver((n) => (n === 1 ? 503 : n === 2 ? "hang" : 200));
    const h = await harness([target({ url: { literal: r.url }, timeoutMs: 300 })]);
    h.notifier.send([EVENT]);
    await h.notifier.idle();

    expect(r.requests).toHaveLength(3);
    const ids = new Set(r.requests.map((q) => q.headers["x-snapgate-delivery"]));
    const sigs = new Set(r.requests.map((q) => q.headers["x-snapgate-signature"]));
    expect(ids.size).toBe(1);
    expect(sigs.size).toBe(1);
    const text = await h.metrics();
    expect(text).toMatch(
      /^snapgate_notification_attempts_total\{target="hook",result="http"\} 1$/m,
    );
    expect(text).toMatch(
      /^snapgate_notification_attempts_total\{target="hook",result="timeout"\} 1$/m,
    );
    expect(text).toMatch(/^snapgate_notification_attempts_total\{target="hook",result="ok"\} 1$/m);
    expect(text).toMatch(/result="delivered"\} 1$/m);
    expect(await h.auditRecords()).toEqual([
      expect.objectContaining({ result: "delivered", attempts: 3 }),
    ]);
  });

  it("gives up after the retries on a receiver that is down, and counts it", async () => {
    const h = await harness([target({ url: { literal: await deadUrl() }, retries: 1 })]);
    h.notifier.send([EVENT]);
    await h.notifier.idle();
    const text = await h.metrics();
    expect(text).toMatch(
      /^snapgate_notification_attempts_total\{target="hook",result="network"\} 2$/m,
    );
    expect(text).toMatch(
      /^snapgate_notifications_total\{target="hook",event="apply",result="failed"\} 1$/m,
    );
    expect(await h.auditRecords()).toEqual([
      expect.objectContaining({
        result: "failed",
        attempts: 2,
        error: expect.stringMatching(/ECONNREFUSED/),
      }),
    ]);
  });

  it("does not retry a refusal (4xx): the receiver said no", async () => {
    const r = await receiver(() => 401);
    const h = await harness([target({ url: { literal: r.url } })]);
    h.notifier.send([EVENT]);
    await h.notifier.idle();
    expect(r.requests).toHaveLength(1);
    expect(await h.metrics()).toMatch(/event="apply",result="rejected"\} 1$/m);
  });

  it("a hanging receiver holds up only its own target", async () => {
    const slow = await receiver(() => "hang");
    const fast = await receiver();
    const h = await harness([
      target({ name: "slow", url: { literal: slow.url }, timeoutMs: 60_000, retries: 0 }),
      target({ name: "fast", url: { literal: fast.url } }),
    ]);
    h.notifier.send([EVENT]);
    h.notifier.send([{ ...EVENT, counts: { ...EVENT.counts, deleted: 2 } }]);
    // send() returned at once; both messages reach the fast receiver while the slow one hangs.
    const deadline = Date.now() + 20_000;
    while (fast.requests.length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(fast.requests.map((q) => JSON.parse(q.body).data.counts.deleted)).toEqual([1, 2]);
    expect(slow.hanging()).toBe(1);
    // stop() cuts the hanging attempt short and drops the message queued behind it.
    await h.notifier.stop(0);
    const text = await h.metrics();
    expect(text).toMatch(
      /^snapgate_notifications_total\{target="slow",event="apply",result="failed"\} 1$/m,
    );
    expect(text).toMatch(
      /^snapgate_notifications_total\{target="slow",event="apply",result="dropped"\} 1$/m,
    );
    expect(text).toMatch(
      /^snapgate_notifications_total\{target="fast",event="apply",result="delivered"\} 2$/m,
    );
  });

  it("sends Slack {text}; URL tokens and HMAC keys appear in no log line and no audit record", async () => {
    const slack = await receiver(() => 200, `/services/${SLACK_TOKEN}`);
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    const h = await harness([]);
    const urlFile = path.join(h.dir, "slack-url");
    await writeFile(urlFile, `# the ops channel\n${slack.url}\n`);
    const notifier = new Notifier({
      targets: [
        target({ name: "ops", type: "slack", url: { file: urlFile }, secret: undefined }),
        target({ name: "hook", url: { env: "SNAPGATE_HOOK_URL" } }),
        target({ name: "broken", url: { file: path.join(h.dir, "missing") } }),
      ],
      env: { SNAPGATE_TEST_KEY: KEY, SNAPGATE_HOOK_URL: `${hook.url}?token=hook-token-123456` },
      audit: new AuditLog(h.auditFile),
      log: pino(
        { level: "debug" },
        new Writable({
          write: (c, _e, cb) => {
            logs.push(String(c));
            cb();
          },
        }),
      ),
      backoffBaseMs: 20,
    });
    const logs: string[] = [];
    notifier.send([
      EVENT,
      {
        ...EVENT,
        kind: "failed",
        reason: "LockHeld",
        error: "another apply holds the lock",
        trigger: "poll",
      } as NotifyEvent,
    ]);
    await notifier.idle();

    expect(slack.requests).toHaveLength(2);
    const text = JSON.parse(slack.requests[0]!.body);
    expect(Object.keys(text)).toEqual(["text"]);
    expect(text.text).toMatch(/^\*snapgate applied a plan\*\n/);
    expect(slack.requests[0]!.headers["x-snapgate-signature"]).toBeUndefined();
    expect(hook.requests.map((q) => q.path)).toEqual([
      "/hook?token=hook-token-123456",
      "/hook?token=hook-token-123456",
      "/hook?token=hook-token-123456",
    ]);

    const records = await h.auditRecords();
    expect(records.map((r) => `${r.target}:${r.event}:${r.result}`).sort()).toEqual([
      "broken:apply:misconfigured",
      "broken:failed:misconfigured",
      "hook:apply:delivered",
      "hook:failed:delivered",
      "ops:apply:delivered",
      "ops:failed:delivered",
    ]);
    expect(records.find((r) => r.target === "broken").problem).toMatch(
      /the URL file .*missing cannot be read \(ENOENT\)/,
    );
    const everything = `${logs.join("")}\n${await h.auditText()}`;
    expect(everything).toContain("notification delivered");
    expect(everything).toContain("notification attempt failed");
    for (const secret of [
      KEY,
      SLACK_TOKEN,
      "s3cr3t-slack-token-value",
      "hook-token-123456",
      slack.url,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
