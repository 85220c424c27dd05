/**
 * Apply re-derives a plan file's verdicts from the live snapshots: instances only feed
 * freshness (reports), never a verdict, so apply does not list them even when
 * spec.freshness asks plan and audit to.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WITH_FRESHNESS = `${RECONCILER}  freshness:
    maxAge: 26h
`;

describe("apply of a plan file", () => {
  it("lists snapshots and disks to re-derive its verdicts, but no instances", async () => {
    const w = await makeWorld({
      files: { "snapgate.yaml": WITH_FRESHNESS, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    world = w;
    const clients = lightsailClientFactory({ endpoint: w.emulator.url });
    const { plan } = await makePlan({
      repo: w.repo.dir,
      cacheDir: w.cacheDir,
      clients,
      nowMs: NOW_MS,
    });
    const instanceListings = () =>
      w.emulator.calls().filter((c) => c.operation === "GetInstances").length;
    // plan lists them: freshness reports on them
    expect(instanceListings()).toBeGreaterThan(0);
    const before = instanceListings();
    const result = await runApply({
      plan,
      repo: w.repo.dir,
      identity: stsIdentityProbe({ endpoint: w.emulator.url }),
      clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
      audit: new AuditLog(`${w.stateDir}/audit.jsonl`),
      store: new DirStateStore(w.stateDir),
      cacheDir: w.cacheDir,
      nowMs: NOW_MS + 60_000,
      concurrency: 1,
      rate: 200,
      pollIntervalMs: 5,
    });
    expect(result.counts.deleted).toBe(plan.deletions.length);
    expect(instanceListings() - before).toBe(0);
  });
});
