/**
 * Every outcome in the error classification table, driven through the real
 * apply against the emulator with scripted faults on DeleteDiskSnapshot.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ApplyResult } from "../../src/apply/execute.js";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
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

type Fault = Parameters<World["emulator"]["faults"]["script"]>[0];

async function applyWith(faults: Fault[]): Promise<{ result: ApplyResult; w: World }> {
  const w = await makeWorld();
  world = w;
  const { plan } = await makePlan({
    repo: w.repo.dir,
    cacheDir: w.cacheDir,
    clients: lightsailClientFactory({ endpoint: w.emulator.url }),
    nowMs: NOW_MS,
  });
  expect(plan.deletions.map((d) => d.name)).toEqual(["web-old", "web-older"]);
  for (const f of faults) w.emulator.faults.script(f);
  const result = await runApply({
    plan,
    repo: w.repo.dir,
    identity: stsIdentityProbe({ endpoint: w.emulator.url }),
    clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
    audit: new AuditLog(path.join(w.stateDir, "audit.jsonl")),
    store: new DirStateStore(w.stateDir),
    cacheDir: w.cacheDir,
    nowMs: NOW_MS + 60_000,
    concurrency: 1,
    rate: 200,
    pollIntervalMs: 5,
  });
  return { result, w };
}

const outcomeOf = (r: ApplyResult, name: string) => r.items.find((i) => i.name === name);
const deleted = (w: World) =>
  w.emulator
    .deletedSnapshots()
    .map((d) => d.name)
    .sort();
const onOld = (exception: Fault["exception"], count = 1, message?: string): Fault => ({
  operation: "DeleteDiskSnapshot",
  snapshotName: "web-old",
  exception,
  count,
  ...(message ? { message } : {}),
});

describe("apply: one classification table for every outcome", () => {
  it.each(["ServiceException", "ThrottlingException", "RegionSetupInProgressException"] as const)(
    "%s is retried (bounded) and the delete then succeeds",
    async (exception) => {
      const { result, w } = await applyWith([onOld(exception, 2)]);
      expect(outcomeOf(result, "web-old")?.outcome).toBe("deleted");
      expect(deleted(w)).toEqual(["web-old", "web-older"]);
    },
  );

  it("a ServiceException that never clears fails the item after bounded attempts; the run goes on", async () => {
    const { result, w } = await applyWith([onOld("ServiceException", 1000)]);
    expect(outcomeOf(result, "web-old")).toMatchObject({
      outcome: "failed",
      detail: expect.stringMatching(/ServiceException.*after \d+ attempts/),
    });
    expect(deleted(w)).toEqual(["web-older"]);
  });

  it("AccessDeniedException records the item as denied and is not retried", async () => {
    const { result, w } = await applyWith([onOld("AccessDeniedException", 1000)]);
    expect(outcomeOf(result, "web-old")?.outcome).toBe("denied");
    const attempts = w.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot" && c.target === "web-old");
    expect(attempts).toHaveLength(1);
    expect(deleted(w)).toEqual(["web-older"]);
  });

  it.each(["InvalidInputException", "OperationFailureException"] as const)(
    "%s fails the item without retrying",
    async (exception) => {
      const { result, w } = await applyWith([onOld(exception, 1000)]);
      expect(outcomeOf(result, "web-old")).toMatchObject({
        outcome: "failed",
        detail: expect.stringContaining(exception),
      });
      expect(
        w.emulator
          .calls()
          .filter((c) => c.operation === "DeleteDiskSnapshot" && c.target === "web-old"),
      ).toHaveLength(1);
    },
  );

  it("NotFoundException counts as already absent only when a read agrees", async () => {
    const { result } = await applyWith([onOld("NotFoundException", 1)]);
    // the scripted NotFound is a lie (the snapshot is still there): not counted as done
    expect(outcomeOf(result, "web-old")).toMatchObject({
      outcome: "failed",
      detail: expect.stringContaining("still there"),
    });
  });

  it('a "DoesNotExist" message is classified as gone (then verified by a read)', async () => {
    const { result } = await applyWith([
      onOld("OperationFailureException", 1, "Snapshot web-old DoesNotExist"),
    ]);
    expect(outcomeOf(result, "web-old")).toMatchObject({
      outcome: "failed",
      detail: expect.stringContaining("still there"),
    });
  });

  it.each(["UnauthenticatedException", "AccountSetupInProgressException"] as const)(
    "%s aborts the run: nothing else is attempted, and a re-run resumes",
    async (exception) => {
      const { result, w } = await applyWith([onOld(exception, 1)]);
      expect(result.aborted).toContain(exception);
      expect(
        w.emulator
          .calls()
          .filter((c) => c.operation === "DeleteDiskSnapshot" && c.target === "web-older"),
      ).toEqual([]);
      expect(deleted(w)).toEqual([]);
    },
  );

  it("30% ServiceExceptions plus throttling: every approved snapshot deleted, nothing else, none twice", async () => {
    const w = await makeWorld();
    world = w;
    const { plan } = await makePlan({
      repo: w.repo.dir,
      cacheDir: w.cacheDir,
      clients: lightsailClientFactory({ endpoint: w.emulator.url }),
      nowMs: NOW_MS,
    });
    w.emulator.faults.setServiceErrorRate(0.3, 42);
    w.emulator.faults.setRate(20, 2);
    const audit = new AuditLog(path.join(w.stateDir, "audit.jsonl"));
    const result = await runApply({
      plan,
      repo: w.repo.dir,
      identity: stsIdentityProbe({ endpoint: w.emulator.url }),
      clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
      audit,
      store: new DirStateStore(w.stateDir),
      cacheDir: w.cacheDir,
      nowMs: NOW_MS + 60_000,
      concurrency: 4,
      rate: 200,
      pollIntervalMs: 5,
    });
    expect(result.counts).toMatchObject({ deleted: 2, failed: 0 });
    const arns = w.emulator.deletedSnapshots().map((d) => d.arn);
    expect(new Set(arns).size).toBe(arns.length);
    expect(deleted(w)).toEqual(["web-old", "web-older"]);
    expect((await verifyAuditLog(audit.file)).ok).toBe(true);
  });
});
