/**
 * A lock file released from under a running apply (`snapgate lock release <id>`, as an
 * operator does for an apply they believe dead, e.g. on another host sharing the state
 * directory) stops that apply's deletions: the next apply may take the lock at once, and the
 * two must never delete side by side. Real apply against the emulator, concurrency 1.
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { lockPath, runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { makeWorld, NOW_MS, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("a local apply lock", () => {
  it("released while the apply runs: no further delete is sent", async () => {
    const w = await makeWorld();
    world = w;
    const { plan } = await makePlan({
      repo: w.repo.dir,
      cacheDir: w.cacheDir,
      clients: lightsailClientFactory({ endpoint: w.emulator.url }),
      nowMs: NOW_MS,
    });
    expect(plan.deletions).toHaveLength(2);
    let released = false;
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
      onStart: () => {
        if (released) return;
        released = true;
        // what `snapgate lock release <id>` does (synchronously here, so that it lands
        // between two checks of the running apply)
        rmSync(lockPath(w.stateDir, plan.account));
      },
      onItem: () => {},
    }).catch((err: unknown) => err);
    expect(released).toBe(true);
    const deletes = w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");
    expect(deletes).toHaveLength(0);
    expect(result).toMatchObject({ aborted: expect.stringMatching(/lost the lock/) });
  });
});
