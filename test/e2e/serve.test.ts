/**
 * `snapgate serve` end to end, real parts only: the built CLI as a daemon
 * subprocess, a bare git repository whose post-receive hook is the shipped
 * examples/hooks/post-receive, a working clone that commits and pushes, and
 * the emulator as Lightsail. The desired state puts `main` in
 * spec.apply.autoApplyBranches, so a push to main is planned AND applied.
 */
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import {
  makeServeWorld,
  reconcileRecords,
  reconcilerYaml,
  SECRET,
  type ServeProcess,
  type ServeWorld,
  sign,
  snapshotSetYaml,
  WRONG_SECRET,
  waitUntil,
} from "./serve-world.js";

const WEB = ["web-1", "web-old", "web-older", "web-young"];

let world: ServeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function webWorld(): Promise<ServeWorld> {
  return makeServeWorld({
    snapshots: WEB,
    files: { "snapgate.yaml": reconcilerYaml(), "snapshots/web.yaml": snapshotSetYaml(WEB) },
  });
}

/** Starts serve with the webhook secret and no polling, and waits for its start-up reconcile. */
async function serveWithWebhook(w: ServeWorld, extra: string[] = []): Promise<ServeProcess> {
  const serve = await w.startServe([
    "--webhook-secret-file",
    w.secretFile,
    "--interval",
    "0",
    ...extra,
  ]);
  await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);
  return serve;
}

const deletedNames = (w: ServeWorld) => w.emulator.deletedSnapshots().map((d) => d.name);
const deleteCalls = (w: ServeWorld) =>
  w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");

async function auditVerifies(w: ServeWorld): Promise<void> {
  const v = await runCli(["audit-log", "verify", w.auditFile]);
  expect(v.stdout).toMatch(/intact, \d+ records/);
  // every delete intent has its result, crashes included (a restart settles them)
  expect(v.stdout).not.toContain("without a result");
  expect(v.code).toBe(0);
}

describe("snapgate serve, end to end", () => {
  it("a pushed removal from keep ends with that snapshot deleted and audited", async () => {
    world = await webWorld();
    const serve = await serveWithWebhook(world);
    const start = reconcileRecords(await world.auditRecords());
    expect(start).toHaveLength(1);
    expect(start[0]).toMatchObject({
      trigger: { kind: "start" },
      applied: false,
      notAppliedBecause: "nothing to delete",
      ok: true,
    });

    const { head, hookOutput } = await world.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(WEB.filter((n) => n !== "web-old")) },
      { message: "drop web-old", hookUrl: serve.url },
    );
    expect(hookOutput).toContain("HTTP 202");

    await waitUntil("web-old to be deleted", () => deletedNames(world!).includes("web-old"));
    await waitUntil(
      "the reconcile to be recorded",
      async () => (await serve.status()).reconciles >= 2,
    );
    expect(deletedNames(world)).toEqual(["web-old"]);
    expect(
      world.emulator
        .snapshots("us-east-1")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["web-1", "web-older", "web-young"]);

    const records = await world.auditRecords();
    const arn = world.emulator.deletedSnapshots()[0]!.arn;
    expect(records.filter((r) => r.type === "delete-intent")).toEqual([
      expect.objectContaining({ name: "web-old", region: "us-east-1", arn }),
    ]);
    expect(records.filter((r) => r.type === "delete-result")).toEqual([
      expect.objectContaining({ name: "web-old", arn, outcome: "deleted" }),
    ]);
    const reconciles = reconcileRecords(records);
    expect(reconciles).toHaveLength(2);
    expect(reconciles[1]).toMatchObject({
      trigger: {
        kind: "webhook",
        receiver: "generic",
        commit: head,
        deliveryId: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
      commit: head,
      applied: true,
      ok: true,
      counts: { deleted: 1, failed: 0 },
    });
    await auditVerifies(world);

    const status = await serve.status();
    expect(status).toMatchObject({
      ready: true,
      branch: "main",
      lastCommit: head,
      lastResult: { ok: true, commit: head, trigger: { kind: "webhook" } },
      lastPlanSummary: { applied: true },
      lastApply: { commit: head, deleted: 1, failed: 0 },
      reconciles: 2,
    });
    expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${serve.url}/readyz`)).status).toBe(200);
    const metrics = await serve.metrics();
    expect(metrics).toMatch(/^snapgate_reconciles_total\{result="applied"\} 1$/m);
    expect(metrics).toMatch(/^snapgate_reconciles_total\{result="planned"\} 1$/m);
    expect(metrics).toMatch(/^snapgate_deletions_total\{outcome="deleted"\} 1$/m);
    expect(metrics).toMatch(
      /^snapgate_webhook_requests_total\{receiver="generic",status="202"\} 1$/m,
    );

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  });

  it("forged and unsigned requests never trigger; a replay is ignored; an oversized body is refused", async () => {
    world = await webWorld();
    const serve = await serveWithWebhook(world);
    const keepWithoutOld = snapshotSetYaml(WEB.filter((n) => n !== "web-old"));

    // A push whose hook signs with the wrong secret: the push lands, the daemon refuses the notification.
    const { head, hookOutput } = await world.commitAndPush(
      { "snapshots/web.yaml": keepWithoutOld },
      { message: "drop web-old", hookUrl: serve.url, secretFile: world.wrongSecretFile },
    );
    expect(hookOutput).toContain("HTTP 401");

    const body = JSON.stringify({ repo: world.bare, ref: "refs/heads/main", after: head });
    const unsigned = await serve.postGeneric(body, { secret: "none", deliveryId: "unsigned-1" });
    expect(unsigned.status).toBe(401);
    const forged = await serve.postGeneric(body, { secret: WRONG_SECRET, deliveryId: "forged-1" });
    expect(forged.status).toBe(401);
    // The valid signature of a different body does not carry over to a tampered one.
    const tampered = body.replace("refs/heads/main", "refs/heads/main ");
    const res = await fetch(`${serve.url}/webhooks/generic`, {
      method: "POST",
      body: tampered,
      headers: { "content-type": "application/json", "x-signature": sign(SECRET, body) },
    });
    expect(res.status).toBe(401);

    // 2 MiB, correctly signed: refused on size before anything else looks at it.
    const huge = JSON.stringify({
      ref: "refs/heads/main",
      after: head,
      pad: "x".repeat(2 * 1024 * 1024),
    });
    const oversized = await serve.postGeneric(huge, { deliveryId: "huge-1" });
    expect(oversized.status).toBe(413);

    // Triggers are queued synchronously inside the request, so /status already shows any.
    const after = await serve.status();
    expect(after.reconciles).toBe(1);
    expect(after.queue).toEqual({ depth: 0, running: null, pending: null });
    expect(reconcileRecords(await world.auditRecords())).toHaveLength(1);
    expect(deleteCalls(world)).toEqual([]);

    // The genuine delivery goes through once …
    const genuine = await serve.postGeneric(body, { deliveryId: "delivery-7" });
    expect(genuine).toEqual({
      status: 202,
      json: { status: "queued", deliveryId: "delivery-7", commit: head },
    });
    await waitUntil(
      "the genuine delivery's reconcile",
      async () => (await serve.status()).reconciles >= 2,
    );
    expect(deletedNames(world)).toEqual(["web-old"]);

    // … and its replay is answered but ignored.
    const replay = await serve.postGeneric(body, { deliveryId: "delivery-7" });
    expect(replay).toEqual({
      status: 200,
      json: { status: "duplicate", deliveryId: "delivery-7" },
    });
    const final = await serve.status();
    expect(final.reconciles).toBe(2);
    expect(final.queue.depth).toBe(0);
    expect(reconcileRecords(await world.auditRecords())).toHaveLength(2);
    expect(deleteCalls(world)).toHaveLength(1);

    const metrics = await serve.metrics();
    expect(metrics).toMatch(
      /^snapgate_webhook_requests_total\{receiver="generic",status="401"\} 4$/m,
    );
    expect(metrics).toMatch(
      /^snapgate_webhook_requests_total\{receiver="generic",status="413"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^snapgate_webhook_requests_total\{receiver="generic",status="200"\} 1$/m,
    );
  });

  it("spec.suspend: the pushed removal is planned and recorded, but nothing is deleted", async () => {
    world = await webWorld();
    const serve = await serveWithWebhook(world);
    const { head, hookOutput } = await world.commitAndPush(
      {
        "snapgate.yaml": reconcilerYaml({ suspend: true }),
        "snapshots/web.yaml": snapshotSetYaml(WEB.filter((n) => n !== "web-old")),
      },
      { message: "suspend, and drop web-old", hookUrl: serve.url },
    );
    expect(hookOutput).toContain("HTTP 202");
    await waitUntil(
      "the reconcile of the push",
      async () => (await serve.status()).reconciles >= 2,
    );

    const records = await world.auditRecords();
    expect(reconcileRecords(records)[1]).toMatchObject({
      commit: head,
      applied: false,
      notAppliedBecause: "spec.suspend is true",
      ok: true,
    });
    // The plan itself was made and recorded: web-old was approved, just not applied.
    expect(records.filter((r) => r.type === "decision" && r.commit === head)).toContainEqual(
      expect.objectContaining({ name: "web-old", verdict: "approved" }),
    );
    expect(records.filter((r) => r.type === "apply-start")).toEqual([]);
    expect(deleteCalls(world)).toEqual([]);
    expect(world.emulator.snapshots("us-east-1")).toHaveLength(WEB.length);
    expect(await serve.status()).toMatchObject({
      lastCommit: head,
      lastPlanSummary: { applied: false, reason: "spec.suspend is true" },
      lastApply: null,
    });
  });

  it("a burst of 20 pushes while Lightsail is held is coalesced into at most two reconciles that end on the final commit", async () => {
    world = await webWorld();
    const serve = await serveWithWebhook(world);
    const before = reconcileRecords(await world.auditRecords()).length;
    // Lightsail holds every answer until the whole burst has been delivered: the first
    // reconcile is still in flight when the last push lands, whatever the machine's speed,
    // so the other pushes can only queue behind it and coalesce.
    const release = world.emulator.faults.hold();
    const pushes: { head: string; hookOutput: string }[] = [];
    for (let i = 1; i <= 20; i++) {
      const last = i === 20;
      pushes.push(
        await world.commitAndPush(
          {
            "NOTES.md": `burst ${i}\n`,
            // only the final commit changes what should exist
            ...(last
              ? { "snapshots/web.yaml": snapshotSetYaml(WEB.filter((n) => n !== "web-old")) }
              : {}),
          },
          { message: `burst ${i}`, hookUrl: serve.url },
        ),
      );
    }
    for (const p of pushes) expect(p.hookOutput).toContain("HTTP 202");
    const queued = await serve.status();
    release();
    const finalHead = pushes[19]!.head;

    await waitUntil(
      "a reconcile of the final commit",
      async () => {
        const s = await serve.status();
        return s.queue.depth === 0 && s.lastResult?.commit === finalHead;
      },
      30_000,
    );
    const burst = reconcileRecords(await world.auditRecords()).slice(before);
    const triggers = burst.map((r) => r.trigger as { kind: string; coalesced?: number });
    // Every delivery is accounted for: a run stands for itself plus the triggers it absorbed.
    expect(triggers.every((t) => t.kind === "webhook")).toBe(true);
    expect(triggers.reduce((n, t) => n + 1 + (t.coalesced ?? 0), 0)).toBe(20);
    // One reconcile held in flight through the burst, then one for everything that queued.
    expect(queued.queue.running, JSON.stringify(queued.queue)).not.toBeNull();
    expect(burst.length).toBeLessThanOrEqual(2);
    expect(burst.at(-1)).toMatchObject({ commit: finalHead, ok: true });
    expect(burst.filter((r) => r.applied === true)).toEqual([
      expect.objectContaining({ commit: finalHead, ok: true }),
    ]);
    expect(deletedNames(world)).toEqual(["web-old"]);
  });

  it("SIGTERM in the middle of an apply exits 0, and a restart finishes the job exactly once", async () => {
    world = await bulkWorld();
    const run = await interruptApply(world, "SIGTERM");
    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(run.stderr).toContain("stopping: finishing the deletions in flight");
    // A clean stop leaves nothing half-done: every intent recorded so far has its result.
    const records = await world.auditRecords();
    const arns = (type: string) =>
      records
        .filter((r) => r.type === type)
        .map((r) => r.arn as string)
        .sort();
    expect(arns("delete-result")).toEqual(arns("delete-intent"));
    // The stop is bounded: deletions not started are left for the restart, not finished first.
    expect(arns("delete-result").length).toBeLessThan(11);
    const applyStop = records.filter((r) => r.type === "apply-summary").at(-1);
    expect(String(applyStop?.aborted)).toMatch(/^shutting down/);
    await restartAndFinish(world, run.head);
  });

  it("a crash (SIGKILL) in the middle of an apply is also finished exactly once by the restart", async () => {
    world = await bulkWorld();
    const run = await interruptApply(world, "SIGKILL");
    expect(run.exit).toEqual({ code: null, signal: "SIGKILL" });
    expect(run.atExit).toBeLessThan(BULK.length - 1);
    await restartAndFinish(world, run.head);
  });

  it("without a webhook, polling picks the push up", async () => {
    world = await webWorld();
    // No secret at all: the webhook endpoints are closed and only polling can notice the push.
    const serve = await world.startServe(["--interval", "1s"]);
    await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);
    const status = await serve.status();
    expect(status.nextPollAt).not.toBeNull();
    const body = JSON.stringify({ ref: "refs/heads/main", after: "1".repeat(40) });
    expect((await serve.postGeneric(body)).status).toBe(503);

    // The hook points at a dead URL: the notification fails, the push succeeds.
    const { head, hookOutput } = await world.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(WEB.filter((n) => n !== "web-old")) },
      { message: "drop web-old" },
    );
    expect(hookOutput).toContain("could not notify");
    await waitUntil(
      "polling to delete web-old",
      () => deletedNames(world!).includes("web-old"),
      15_000,
    );
    await waitUntil(
      "the poll reconcile to finish",
      async () => (await serve.status()).lastCommit === head,
    );

    const polled = reconcileRecords(await world.auditRecords()).filter((r) => r.commit === head);
    expect(polled).toEqual([
      expect.objectContaining({ trigger: { kind: "poll", commit: head }, applied: true, ok: true }),
    ]);
    expect(deletedNames(world)).toEqual(["web-old"]);
    // An unchanged head is not reconciled again.
    const reconciles = (await serve.status()).reconciles;
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await serve.status()).reconciles).toBe(reconciles);
  });
});

const BULK = Array.from({ length: 12 }, (_, i) => `bulk-${String(i + 1).padStart(2, "0")}`);
const SLOW_APPLY = ["--rate", "2", "--concurrency", "1"];

function bulkWorld(): Promise<ServeWorld> {
  return makeServeWorld({
    snapshots: BULK,
    files: { "snapgate.yaml": reconcilerYaml(), "snapshots/web.yaml": snapshotSetYaml(BULK) },
  });
}

/** Pushes "keep only bulk-01" (15 deletions, applied slowly) and signals serve once some are done. */
async function interruptApply(w: ServeWorld, signal: NodeJS.Signals) {
  const serve = await serveWithWebhook(w, SLOW_APPLY);
  w.emulator.faults.setLatency(200);
  const { head, hookOutput } = await w.commitAndPush(
    { "snapshots/web.yaml": snapshotSetYaml(["bulk-01"]) },
    { message: "keep only bulk-01", hookUrl: serve.url },
  );
  expect(hookOutput).toContain("HTTP 202");
  const before = await waitUntil("some deletions", () => {
    const n = w.emulator.deletedSnapshots().length;
    return n >= 2 && n;
  });
  expect(before).toBeLessThan(BULK.length - 1);
  serve.child.kill(signal);
  const exit = await serve.exited;
  const atExit = w.emulator.deletedSnapshots().length;
  w.emulator.faults.setLatency(0);
  return { head, exit, atExit, stderr: serve.stderr() };
}

/** Starts serve again (at the default rate); its start-up reconcile must leave exactly the desired state. */
async function restartAndFinish(w: ServeWorld, head: string): Promise<void> {
  const serve = await w.startServe(["--webhook-secret-file", w.secretFile, "--interval", "0"]);
  await waitUntil(
    "the restart's reconcile",
    async () => {
      const s = await serve.status();
      return s.reconciles >= 1 && s.queue.depth === 0;
    },
    30_000,
  );
  expect((await serve.status()).lastResult).toMatchObject({
    ok: true,
    commit: head,
    trigger: { kind: "start" },
  });

  expect(w.emulator.snapshots("us-east-1").map((s) => s.name)).toEqual(["bulk-01"]);
  const deleted = w.emulator.deletedSnapshots();
  expect(deleted.map((d) => d.name).sort()).toEqual(BULK.slice(1));
  expect(new Set(deleted.map((d) => d.arn)).size).toBe(deleted.length);
  // Exactly once: no snapshot was even asked to be deleted twice.
  const calls = deleteCalls(w);
  expect(calls.map((c) => c.outcome)).toEqual(Array(BULK.length - 1).fill("ok"));
  expect(new Set(calls.map((c) => c.target)).size).toBe(calls.length);

  const records = await w.auditRecords();
  const results = records.filter((r) => r.type === "delete-result");
  expect(results.map((r) => r.name).sort()).toEqual(BULK.slice(1));
  // The emulator deletes on arrival and answers after its latency: a delete in flight when
  // serve died landed without serve seeing the answer. The restart finds it absent; the
  // audit log still shows whose delete it was (the intent the killed run wrote).
  const absent = results.filter((r) => r.outcome === "absent");
  expect(absent.length).toBeLessThanOrEqual(1); // --concurrency 1: one delete in flight at most
  for (const r of absent) {
    const intentAt = records.findIndex((i) => i.type === "delete-intent" && i.name === r.name);
    expect(intentAt).toBeGreaterThanOrEqual(0);
    expect(intentAt).toBeLessThan(records.indexOf(r));
  }
  expect(results.filter((r) => r.outcome !== "absent").map((r) => r.outcome)).toEqual(
    Array(BULK.length - 1 - absent.length).fill("deleted"),
  );
  await auditVerifies(w);
  serve.child.kill("SIGTERM");
  expect(await serve.exited).toEqual({ code: 0, signal: null });
}
