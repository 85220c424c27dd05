// Benchmark: apply 1,000 approved deletions against the emulator (its own
// process) at 20 ms latency and a 100 requests/s server rate limit; then the
// same with 20% injected ServiceExceptions. Figure: wall time of apply (with
// its preflight). Floor: the unavoidable calls ÷ the rate, or × latency ÷
// concurrency, whichever is larger. The unavoidable calls per item are a
// GetDiskSnapshot (the fresh read right before the delete) and the
// DeleteDiskSnapshot, plus a listing before (preflight) and after (confirmation). Imports the built dist/.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { AuditLog } from "../dist/audit-log/log.js";
import { lightsailClientFactory } from "../dist/lightsail/client.js";
import { stsIdentityProbe } from "../dist/lightsail/sts.js";
import { runApply } from "../dist/reconcile/apply-plan.js";
import { makePlan } from "../dist/reconcile/plan-pipeline.js";
import { gitRepo, spawnEmulator } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ACCOUNT = "111122223333";
const N = Number(process.env.BENCH_DELETIONS ?? 1000);
const KEEP = 10;
const LATENCY_MS = 20;
const RATE = 100;
const CONCURRENCY = 8;
const PAGE_SIZE = 50;

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

async function scenario(label, faults, target) {
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
      clients: lightsailClientFactory({ endpoint: emulator.url, maxAttempts: 1 }),
      repo: dir,
      identity: stsIdentityProbe({ endpoint: emulator.url }),
      audit: new AuditLog(path.join(stateDir, "audit.jsonl")),
      stateDir,
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

const results = [
  await scenario("clean", {}, 1.2),
  await scenario("20% ServiceException", { serviceErrorRate: 0.2, randomSeed: 7 }, 1.6),
];
mkdirSync(path.join(here, "out"), { recursive: true });
writeFileSync(
  path.join(here, "out", "apply.json"),
  `${JSON.stringify({ benchmark: "apply", results }, null, 2)}\n`,
);
for (const r of results) {
  console.log(
    `apply ${r.deletions} deletions (${r.scenario}) @${LATENCY_MS}ms, ${RATE} req/s: ${r.wallMs} ms; floor ${r.floorMs} ms; ratio ${r.ratio} (target ≤ ${r.target}); deleted ${r.counts.deleted}, failed ${r.counts.failed}, throttled ${r.throttledAbsorbed}`,
  );
}
