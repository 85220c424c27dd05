/**
 * Deletes interrupted by a crash under an earlier plan are settled by the next
 * apply of any plan: each gets the result the live state shows, in that plan's
 * journal and in the audit log; nothing is deleted by settling.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DeleteDiskSnapshotCommand } from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it } from "vitest";
import { settleInterrupted } from "../../src/apply/interrupted.js";
import { Journal, journalPath, openMarkerPath } from "../../src/apply/journal.js";
import { AuditLog, type AuditRecord } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
import { renderResult } from "../../src/cli/apply.js";
import type { Plan } from "../../src/core/model.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { ACCOUNT, makeWorld, NOW_MS, type World, webSet } from "../helpers/scenario.js";

const OLD_PLAN = `sha256:${"a".repeat(64)}`;
let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

function records(audit: AuditLog): AuditRecord[] {
  return readFileSync(audit.file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** A run of OLD_PLAN that crashed with three deletes in flight. */
async function crashedRun(w: World) {
  const clients = lightsailClientFactory({ endpoint: w.emulator.url });
  const arnOf = (name: string) => {
    const s = w.emulator.snapshots("us-east-1").find((x) => x.name === name);
    if (!s) throw new Error(name);
    return s.arn;
  };
  const journal = await Journal.open(journalPath(w.stateDir, OLD_PLAN));
  const audit = new AuditLog(path.join(w.stateDir, "audit.jsonl"));
  for (const name of ["web-old", "web-older"]) {
    await journal.intent(`us-east-1/${name}`, arnOf(name));
    await audit.append("delete-intent", {
      runId: "run-1",
      planDigest: OLD_PLAN,
      region: "us-east-1",
      name,
      arn: arnOf(name),
    });
  }
  await journal.intent(
    "us-east-1/manual",
    arnOf("manual").replace(`:${ACCOUNT}:`, ":999988887777:"),
  );
  await journal.result("us-east-1/web-1", "deleted", "an item that finished");
  writeFileSync(openMarkerPath(w.stateDir, OLD_PLAN), ACCOUNT);
  // web-old's delete landed before the crash; web-older's never reached Lightsail.
  await clients("us-east-1").send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-old" }));
  return { clients, arnOf };
}

describe("settling deletes interrupted under an earlier plan", () => {
  it("records what live state shows, only for this account, and deletes nothing", async () => {
    world = await makeWorld();
    const { clients } = await crashedRun(world);
    const audit = new AuditLog(path.join(world.stateDir, "audit.jsonl"));
    const before = world.emulator.snapshots().map((s) => s.name);
    const deletesBefore = world.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot").length;

    const before2 = await verifyAuditLog(audit.file);
    expect(before2.ok && before2.openIntents.map((i) => i.name)).toEqual(["web-old", "web-older"]);
    const settled = await settleInterrupted({
      store: new DirStateStore(world.stateDir),
      account: ACCOUNT,
      currentDigest: `sha256:${"b".repeat(64)}`,
      clients,
      audit,
      runId: "run-2",
    });

    expect(settled).toEqual([
      { planDigest: OLD_PLAN, region: "us-east-1", name: "web-old", outcome: "absent" },
      { planDigest: OLD_PLAN, region: "us-east-1", name: "web-older", outcome: "failed" },
    ]);
    expect(world.emulator.snapshots().map((s) => s.name)).toEqual(before);
    expect(world.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toHaveLength(
      deletesBefore,
    );

    const journal = await Journal.open(journalPath(world.stateDir, OLD_PLAN));
    expect(journal.state("us-east-1/web-old")?.result?.outcome).toBe("absent");
    expect(journal.state("us-east-1/web-older")?.result?.outcome).toBe("failed");
    // another account's intent is not ours to read: it stays open, and so does the marker
    expect(journal.interrupted().map((i) => i.key)).toEqual(["us-east-1/manual"]);
    expect(existsSync(openMarkerPath(world.stateDir, OLD_PLAN))).toBe(true);

    const results = records(audit).filter((r) => r.type === "delete-result");
    expect(results.map((r) => [r.name, r.outcome, r.planDigest, r.runId])).toEqual([
      ["web-old", "absent", OLD_PLAN, "run-2"],
      ["web-older", "failed", OLD_PLAN, "run-2"],
    ]);
    const verified = await verifyAuditLog(audit.file);
    expect(verified.ok && verified.openIntents).toEqual([]);
  });

  it("an apply that deletes settles them after preflight; one with nothing to delete does not", async () => {
    world = await makeWorld();
    const { clients } = await crashedRun(world);
    // the foreign intent aside, settling can finish this journal
    const journal = await Journal.open(journalPath(world.stateDir, OLD_PLAN));
    await journal.result("us-east-1/manual", "skipped", "settled by hand");
    // another account's run, possibly going on right now: never touched
    const OTHER_PLAN = `sha256:${"c".repeat(64)}`;
    const other = await Journal.open(journalPath(world.stateDir, OTHER_PLAN));
    await other.intent(
      "us-east-1/web-1",
      "arn:aws:lightsail:us-east-1:999988887777:DiskSnapshot/x",
    );
    writeFileSync(openMarkerPath(world.stateDir, OTHER_PLAN), "999988887777");
    const audit = new AuditLog(path.join(world.stateDir, "audit.jsonl"));
    const apply = (plan: Plan) =>
      runApply({
        plan,
        repo: world!.repo.dir,
        identity: stsIdentityProbe({ endpoint: world!.emulator.url }),
        clients,
        audit,
        store: new DirStateStore(world!.stateDir),
        cacheDir: world!.cacheDir,
        nowMs: NOW_MS,
        concurrency: 1,
        rate: 50,
      });
    const planNow = async () =>
      (await makePlan({ repo: world!.repo.dir, cacheDir: world!.cacheDir, clients, nowMs: NOW_MS }))
        .plan;

    // Keep everything: nothing to delete, no preflight, so nothing is settled either.
    world.repo.commit({
      "snapshots/web.yaml": webSet(["web-1", "web-older", "web-young", "web-held", "manual"]),
    });
    const empty = await apply(await planNow());
    expect(empty.settled).toBeUndefined();
    expect(existsSync(openMarkerPath(world.stateDir, OLD_PLAN))).toBe(true);

    // The desired state drops web-older again: this apply settles, then deletes it.
    world.repo.commit({ "snapshots/web.yaml": webSet(["web-1"]) });
    const plan = await planNow();
    expect(plan.deletions.map((d) => d.name)).toEqual(["web-older"]);
    const result = await apply(plan);
    expect(result.settled?.map((i) => [i.name, i.outcome])).toEqual([
      ["web-old", "absent"],
      ["web-older", "failed"],
    ]);
    expect(result.items.map((i) => [i.name, i.outcome])).toEqual([["web-older", "deleted"]]);
    expect(renderResult(result)).toContain(
      "Settled 2 delete(s) a crash interrupted under an earlier plan",
    );
    const results = records(audit).filter((r) => r.type === "delete-result");
    expect(results.map((r) => [r.name, r.outcome, r.planDigest])).toEqual([
      ["web-old", "absent", OLD_PLAN],
      ["web-older", "failed", OLD_PLAN],
      ["web-older", "deleted", plan.digest],
    ]);
    expect(existsSync(openMarkerPath(world.stateDir, OLD_PLAN))).toBe(false);
    expect(existsSync(openMarkerPath(world.stateDir, OTHER_PLAN))).toBe(true);
    expect(
      (await Journal.open(journalPath(world.stateDir, OTHER_PLAN))).interrupted(),
    ).toHaveLength(1);
  });
});
