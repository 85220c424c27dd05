/**
 * The executor stops starting deletions when its state fails it: a state
 * write that fails (StateFailed) and a lock lost while an intent was being
 * written. Real apply against the emulator, concurrency 1, so "further" is
 * exact; then a run with working state finishes, each snapshot deleted once.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { executePlan } from "../../src/apply/execute.js";
import { Journal, journalPath } from "../../src/apply/journal.js";
import { openMarkerKey } from "../../src/apply/s3-journal.js";
import { type AuditAppender, AuditLog } from "../../src/audit-log/log.js";
import { refused, SnapgateError } from "../../src/core/errors.js";
import type { Plan } from "../../src/core/model.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { makeWorld, NOW_MS, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function planned(): Promise<{ w: World; plan: Plan }> {
  const w = await makeWorld();
  world = w;
  const { plan } = await makePlan({
    repo: w.repo.dir,
    cacheDir: w.cacheDir,
    clients: lightsailClientFactory({ endpoint: w.emulator.url }),
    nowMs: NOW_MS,
  });
  expect(plan.deletions).toHaveLength(2);
  return { w, plan };
}

const deleteCalls = (w: World) =>
  w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");

function apply(w: World, plan: Plan, audit: AuditAppender) {
  return runApply({
    plan,
    repo: w.repo.dir,
    identity: stsIdentityProbe({ endpoint: w.emulator.url }),
    clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
    audit,
    store: new DirStateStore(w.stateDir),
    cacheDir: w.cacheDir,
    nowMs: NOW_MS + 60_000,
    concurrency: 1,
    rate: 200,
    pollIntervalMs: 5,
  });
}

/** The real audit log, failing every delete-intent as an unreachable S3 would. */
function failingIntents(file: string): AuditAppender {
  const log = new AuditLog(file);
  return {
    label: file,
    append: (type, fields) =>
      type === "delete-intent"
        ? Promise.reject(new SnapgateError("StateFailed", "state s3://b/p: injected failure"))
        : log.append(type, fields),
    appendMany: (events) => log.appendMany(events),
  };
}

describe("apply stops starting deletions", () => {
  it("when a state write fails: nothing is sent, the run is aborted and marked for settling; a later run finishes", async () => {
    const { w, plan } = await planned();
    const file = path.join(w.stateDir, "audit.jsonl");
    const first = await apply(w, plan, failingIntents(file));
    expect(first.aborted).toMatch(/state s3:\/\/b\/p: injected failure/);
    expect(first.stateFailed).toBe(true);
    // the first item's intent was not durable, so its delete was never sent; the second never started
    expect(deleteCalls(w)).toEqual([]);
    expect(first.items.map((i) => i.outcome)).toEqual(["failed"]);
    // some result may be missing after a state failure: the open marker stays for settling
    const store = new DirStateStore(w.stateDir);
    expect(await store.read(openMarkerKey(plan.digest))).toBe(plan.account);

    const second = await apply(w, plan, new AuditLog(file));
    expect(second.aborted).toBeUndefined();
    expect(second.counts).toMatchObject({ deleted: 2, failed: 0 });
    expect(deleteCalls(w)).toHaveLength(2);
    expect(await store.read(openMarkerKey(plan.digest))).toBeNull();
  });

  it("when the lock is lost while an intent is written: that delete is not sent, and no other starts", async () => {
    const { w, plan } = await planned();
    let lost = false;
    const audit = new AuditLog(path.join(w.stateDir, "audit.jsonl"));
    const losing: AuditAppender = {
      label: audit.label,
      append: async (type, fields) => {
        const r = await audit.append(type, fields);
        if (type === "delete-intent") lost = true; // the lease runs out right after the intent
        return r;
      },
      appendMany: (events) => audit.appendMany(events),
    };
    const result = await executePlan({
      plan,
      clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
      journal: await Journal.open(journalPath(w.stateDir, plan.digest)),
      audit: losing,
      runId: "r",
      concurrency: 1,
      rate: 200,
      recheck: () => null,
      pollIntervalMs: 5,
      lease: {
        signal: new AbortController().signal,
        assertHeld: () => {
          if (lost) throw refused("lost the lock apply-x (test): no further deletions are started");
        },
      },
    });
    expect(result.aborted).toMatch(/lost the lock apply-x/);
    expect(deleteCalls(w)).toEqual([]);
    expect(result.items).toHaveLength(1);
    expect(result.items[0]?.detail).toMatch(/^not deleted: lost the lock/);
  });
});
