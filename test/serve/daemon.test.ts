import { afterEach, describe, expect, it } from "vitest";
import type { ReconcileResult, ReconcileTrigger } from "../../src/reconcile/types.js";
import { type RunningDaemon, runDaemon } from "../../src/serve/daemon.js";
import { delivery, HEAD, post, REPO, SECRET, silentLog } from "./helpers.js";

let daemon: RunningDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

function recorder(result: (t: ReconcileTrigger) => ReconcileResult) {
  const triggers: ReconcileTrigger[] = [];
  const reconcile = async (t: ReconcileTrigger) => {
    triggers.push(t);
    return result(t);
  };
  return { triggers, reconcile };
}

const base = {
  port: 0,
  secrets: [SECRET],
  repo: REPO,
  branch: "main",
  interval: 0,
  log: silentLog(),
};

describe("runDaemon", () => {
  it("/status carries the lock status to every caller", async () => {
    daemon = await runDaemon({
      ...base,
      reconcile: async () => ({ commit: HEAD, ok: true }),
      lockStatus: async () => ({ holders: [] }),
    });
    await daemon.idle();
    const url = `${daemon.url}/status`;
    const answers = await Promise.all(
      Array.from(
        { length: 20 },
        async () => (await (await fetch(url)).json()) as { lock?: unknown },
      ),
    );
    for (const a of answers) expect(a.lock).toEqual({ holders: [] });
  });

  it("reconciles at start, then /readyz and /status reflect the result", async () => {
    let ok = false;
    const { triggers, reconcile } = recorder(() =>
      ok
        ? { commit: HEAD, ok: true, planSummary: { delete: 2 } }
        : { commit: null, ok: false, error: "repo unreachable" },
    );
    daemon = await runDaemon({ ...base, reconcile });
    await daemon.idle();
    expect(triggers).toEqual([{ kind: "start" }]);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(503);

    ok = true;
    const { body, headers } = delivery("github");
    expect((await post(`${daemon.url}/webhooks/github`, body, headers)).status).toBe(202);
    await daemon.idle();
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(200);
    const status = (await (await fetch(`${daemon.url}/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      ready: true,
      repo: REPO,
      branch: "main",
      lastCommit: HEAD,
      lastPlanSummary: { delete: 2 },
      lastResult: {
        ok: true,
        commit: HEAD,
        trigger: { kind: "webhook", receiver: "github", commit: HEAD },
      },
      nextPollAt: null,
      queue: { depth: 0, running: null, pending: null },
      reconciles: 2,
    });
  });

  it("/metrics exposes the snapgate metrics and counts webhook requests by receiver and status", async () => {
    const { reconcile } = recorder(() => ({
      commit: HEAD,
      ok: true,
      applied: { deleted: 3, failed: 1, skipped: 0 },
      blocks: { policy: 2, protect: 1 },
      commitTime: "2026-01-02T03:04:05Z",
    }));
    daemon = await runDaemon({ ...base, reconcile });
    await daemon.idle();
    const valid = delivery("gitea");
    await post(`${daemon.url}/webhooks/gitea`, valid.body, valid.headers);
    await post(`${daemon.url}/webhooks/gitea`, valid.body, valid.headers); // replay → 200
    const forged = delivery("gitea", { secret: "forged-secret-xxxxxxxx" });
    await post(`${daemon.url}/webhooks/gitea`, forged.body, forged.headers);
    await post(`${daemon.url}/webhooks/gitea`, forged.body, forged.headers);
    await daemon.idle();

    const res = await fetch(`${daemon.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      "snapgate_reconciles_total",
      "snapgate_reconcile_duration_seconds_bucket",
      "snapgate_deletions_total",
      "snapgate_blocks_total",
      "snapgate_last_applied_commit_timestamp_seconds",
      "snapgate_queue_depth",
      "snapgate_webhook_requests_total",
      "process_resident_memory_bytes",
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('snapgate_webhook_requests_total{receiver="gitea",status="202"} 1');
    expect(text).toContain('snapgate_webhook_requests_total{receiver="gitea",status="200"} 1');
    expect(text).toContain('snapgate_webhook_requests_total{receiver="gitea",status="401"} 2');
    expect(text).toContain('snapgate_reconciles_total{result="applied"} 2');
    expect(text).toContain('snapgate_deletions_total{outcome="deleted"} 6');
    expect(text).toContain('snapgate_blocks_total{kind="policy"} 4');
    expect(text).toContain(
      `snapgate_last_applied_commit_timestamp_seconds ${Date.parse("2026-01-02T03:04:05Z") / 1000}`,
    );
    expect(text).toContain("snapgate_queue_depth 0");
  });

  it("two daemons in one process keep separate metrics", async () => {
    const { reconcile } = recorder(() => ({ commit: HEAD, ok: true }));
    daemon = await runDaemon({ ...base, reconcile });
    const second = await runDaemon({ ...base, reconcile });
    try {
      const { body, headers } = delivery("generic");
      await post(`${second.url}/webhooks/generic`, body, headers);
      expect(await (await fetch(`${daemon.url}/metrics`)).text()).not.toContain(
        'receiver="generic"',
      );
      expect(await (await fetch(`${second.url}/metrics`)).text()).toContain(
        'receiver="generic",status="202"',
      );
    } finally {
      await second.stop();
    }
  });

  it("polls and reconciles when the head moves", async () => {
    let head = "a".repeat(40);
    const { triggers, reconcile } = recorder(() => ({ commit: head, ok: true }));
    daemon = await runDaemon({ ...base, interval: 25, reconcile, resolveHead: async () => head });
    await daemon.idle();
    await new Promise((r) => setTimeout(r, 120));
    expect(triggers).toEqual([{ kind: "start" }]); // head unchanged: no poll-triggered run
    expect(daemon.status().nextPollAt).not.toBeNull();
    head = "b".repeat(40);
    for (let waited = 0; triggers.length < 2 && waited < 5_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await daemon.idle();
    expect(triggers.slice(1)).toEqual([{ kind: "poll", commit: "b".repeat(40) }]);
  });

  it("stop() finishes the reconcile in flight, drops the pending one and closes the port", async () => {
    let release: () => void = () => {};
    const triggers: ReconcileTrigger[] = [];
    const finished: ReconcileTrigger[] = [];
    const reconcile = (t: ReconcileTrigger) =>
      new Promise<ReconcileResult>((resolve) => {
        triggers.push(t);
        release = () => {
          finished.push(t);
          resolve({ commit: HEAD, ok: true });
        };
      });
    const d = await runDaemon({ ...base, reconcile });
    const { body, headers } = delivery("generic");
    expect((await post(`${d.url}/webhooks/generic`, body, headers)).status).toBe(202); // pending
    let stopped = false;
    const stopping = d.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(triggers).toEqual([{ kind: "start" }]);
    expect(finished).toEqual([{ kind: "start" }]);
    await expect(fetch(`${d.url}/healthz`)).rejects.toThrow();
  });
});
