/**
 * The daemon's notification wiring, with the reconcile as a literal result
 * and a real HTTP receiver: a reconcile result's compliance findings (stale
 * sources, unexplained deletions) become signed messages to the reconciled
 * commit's targets, counted in /metrics.
 */
import { afterEach, describe, expect, it } from "vitest";
import { matchesAnySecret } from "../../src/core/hmac.js";
import { NOTIFY_EVENT_KINDS } from "../../src/core/model.js";
import type { ReconcileResult } from "../../src/reconcile/types.js";
import { type RunningDaemon, runDaemon } from "../../src/serve/daemon.js";
import { startReceiver, type TestReceiver } from "../helpers/receiver.js";
import { HEAD, REPO, SECRET, silentLog } from "./helpers.js";

const KEY = "daemon-notify-key-0123456789abcdef";

let daemon: RunningDaemon | undefined;
let receiver: TestReceiver | undefined;
afterEach(async () => {
  await daemon?.stop();
  await receiver?.close();
  daemon = undefined;
  receiver = undefined;
});

describe("serve notifications from a reconcile result", () => {
  it("stale sources and unexplained deletions reach the receiver signed, one message of each", async () => {
    receiver = await startReceiver();
    const result: ReconcileResult = {
      commit: HEAD,
      ok: true,
      planDigest: `sha256:${"0".repeat(64)}`,
      notifications: [
        {
          name: "pager",
          type: "webhook",
          url: { literal: receiver.url },
          secret: { env: "SNAPGATE_DAEMON_TEST_KEY" },
          events: NOTIFY_EVENT_KINDS,
          timeoutMs: 5_000,
          retries: 0,
        },
      ],
      findings: {
        sources: [
          {
            region: "us-east-1",
            kind: "disk",
            name: "web-data",
            status: "stale",
            ageSeconds: 30 * 3600,
            newest: "web-data-1",
            maxAgeSeconds: 26 * 3600,
          },
          {
            region: "us-east-1",
            kind: "disk",
            name: "ok-data",
            status: "ok",
            ageSeconds: 60,
            newest: "ok-1",
          },
        ],
        deletedOutside: [
          {
            region: "us-east-1",
            name: "web-data-0",
            arn: "arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/abc",
            lastSeen: "2026-12-01T00:00:00Z",
          },
        ],
      },
    };
    daemon = await runDaemon({
      port: 0,
      secrets: [SECRET],
      repo: REPO,
      branch: "main",
      interval: 0,
      log: silentLog(),
      reconcile: async () => result,
      notify: { env: { SNAPGATE_DAEMON_TEST_KEY: KEY } },
    });
    await daemon.idle();
    await daemon.notificationsIdle();

    expect(receiver.requests.map((r) => r.headers["x-snapgate-event"])).toEqual([
      "stale",
      "deleted-outside",
    ]);
    for (const r of receiver.requests) {
      const sig = String(r.headers["x-snapgate-signature"]);
      expect(matchesAnySecret([KEY], new TextEncoder().encode(r.body), sig.slice(7))).toBe(true);
    }
    const stale = JSON.parse(receiver.requests[0]!.body);
    expect(stale.data).toEqual({
      source: { repo: REPO, ref: "main", commit: HEAD },
      findings: [result.findings!.sources![0]],
    });
    expect(stale.summary).toContain(
      "• us-east-1 disk `web-data`: stale, newest `web-data-1` is 30h old (maxAge 26h)",
    );
    const metrics = await daemon.metrics.render();
    expect(metrics).toMatch(
      /^snapgate_notifications_total\{target="pager",event="stale",result="delivered"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^snapgate_notifications_total\{target="pager",event="deleted-outside",result="delivered"\} 1$/m,
    );
  });
});
