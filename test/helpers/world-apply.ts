/**
 * Plan and apply in a test world through the library stages (makePlan, runApply) with the
 * settings these tests share: the world's repo, emulator, state and cache directories, one
 * delete at a time, a clock a minute after the plan's.
 */

import type { ApplyResult } from "../../src/apply/execute.js";
import { AuditLog } from "../../src/audit-log/log.js";
import type { Plan } from "../../src/core/model.js";
import { applyClientFactory, lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { type ApplyRequest, runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { NOW_MS, type World } from "./scenario.js";

export async function planIn(w: World): Promise<Plan> {
  const { plan } = await makePlan({
    repo: w.repo.dir,
    cacheDir: w.cacheDir,
    clients: lightsailClientFactory({ endpoint: w.emulator.url }),
    nowMs: NOW_MS,
  });
  return plan;
}

export function applyIn(
  w: World,
  plan: Plan,
  extra: Partial<ApplyRequest> = {},
): Promise<ApplyResult> {
  return runApply({
    plan,
    repo: w.repo.dir,
    identity: stsIdentityProbe({ endpoint: w.emulator.url }),
    clients: applyClientFactory({ endpoint: w.emulator.url }),
    audit: new AuditLog(`${w.stateDir}/audit.jsonl`),
    store: new DirStateStore(w.stateDir),
    cacheDir: w.cacheDir,
    nowMs: NOW_MS + 60_000,
    concurrency: 1,
    rate: 200,
    pollIntervalMs: 5,
    ...extra,
  });
}
