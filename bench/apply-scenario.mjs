// One apply scenario of bench/apply.mjs, shared with bench/state-s3.mjs: 1,000
// approved deletions against the emulator (its own process) at 20 ms latency and
// a 100 requests/s server rate limit, with the state in a fresh directory or in
// the state store given. Imports the built dist/.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AuditLog } from "../dist/audit-log/log.js";
import { applyClientFactory, lightsailClientFactory } from "../dist/lightsail/client.js";
import { stsIdentityProbe } from "../dist/lightsail/sts.js";
import { runApply } from "../dist/reconcile/apply-plan.js";
import { makePlan } from "../dist/reconcile/plan-pipeline.js";
import { DirStateStore } from "../dist/state/store.js";
import { gitRepo, spawnEmulator } from "./lib.mjs";

const ACCOUNT = "111122223333";
export const N = Number(process.env.BENCH_DELETIONS ?? 1000);
const KEEP = 10;
export const LATENCY_MS = 20;
export const RATE = 100;
const CONCURRENCY = 8;
const PAGE_SIZE = 50;

// The emulator's key; an S3 state gets its own client credentials.
process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_REGION = "us-east-1";

function seed(faults) {
  const snapshots = [];
  for (let i = 0; i < N + KEEP; i++) {
    snapshots.push({
      name: `data-${String(i).padStart(5, "0")}`,
      fromDisk: "data",
      createdAt: `-${30 + (i % 300)}d`,
      sizeInGb: 16,
      tags: { "managed-by": "snapgate" },
    });
  }
  return {
    account: ACCOUNT,
    regions: { "us-east-1": { disks: [{ name: "data" }], snapshots } },
    faults,
  };
}

function repo() {
  const keep = Array.from({ length: KEEP }, (_, i) => `data-${String(N + i).padStart(5, "0")}`);
  return gitRepo({
    "snapgate.yaml": `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: bench }
spec:
  account: "${ACCOUNT}"
  regions: [us-east-1]
  scope: { matchTags: { managed-by: snapgate } }
  guards: { maxDeletions: 100000, maxDeletionPercent: 100, minSnapshotsPerDisk: 1, allowEmpty: false }
  policy: { bundle: builtin, data: { minAgeDays: 0, maxDeletions: 100000 } }
`,
    "snapshots/data.yaml": `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: data }
spec:
  region: us-east-1
  keep: [${keep.join(", ")}]
`,
  });
}

/**
 * `state`: () => { store, audit } for the apply (default: a fresh directory).
 */
export async function applyScenario(label, faults, target, state) {
  const emulator = await spawnEmulator(
    seed({ latencyMs: LATENCY_MS, ratePerSecond: RATE, burst: RATE, ...faults }),
    PAGE_SIZE,
  );
  try {
    const dir = repo();
    const work = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-apply-"));
    const cacheDir = path.join(work, "cache");
    const stateDir = path.join(work, "state");
    const { plan } = await makePlan({
      repo: dir,
      cacheDir,
      clients: lightsailClientFactory({ endpoint: emulator.url }),
    });
    if (plan.deletions.length !== N)
      throw new Error(`expected ${N} approved deletions, got ${plan.deletions.length}`);
    // Let the server's token bucket refill after planning.
    await new Promise((r) => setTimeout(r, 1_500));
    const t0 = performance.now();
    const result = await runApply({
      plan,
      clients: applyClientFactory({ endpoint: emulator.url }),
      repo: dir,
      identity: stsIdentityProbe({ endpoint: emulator.url }),
      ...(state ? state() : dirState(stateDir)),
      cacheDir,
      nowMs: Date.now(),
      concurrency: CONCURRENCY,
      rate: RATE,
      pollIntervalMs: 100,
    });
    const wallMs = performance.now() - t0;
    // Unavoidable per item: the fresh GetDiskSnapshot right before the delete (apply's
    // safety re-read) and the DeleteDiskSnapshot; then the final confirming listing.
    // Before them, preflight lists the region once to re-derive the verdicts.
    const calls = 2 * N + Math.ceil((N + KEEP) / PAGE_SIZE) + Math.ceil(KEEP / PAGE_SIZE);
    const floorMs = Math.max((calls / RATE) * 1000, (calls * LATENCY_MS) / CONCURRENCY);
    return {
      scenario: label,
      deletions: N,
      wallMs: Math.round(wallMs),
      floorMs: Math.round(floorMs),
      ratio: +(wallMs / floorMs).toFixed(2),
      target,
      counts: result.counts,
      throttledAbsorbed: result.throttled,
    };
  } finally {
    emulator.stop();
  }
}

function dirState(stateDir) {
  return {
    store: new DirStateStore(stateDir),
    audit: new AuditLog(path.join(stateDir, "audit.jsonl")),
  };
}
