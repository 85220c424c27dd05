// Benchmark: `plan` over 10,000 snapshots in 16 regions with 20 ms emulator
// latency (figure: wall time; floor: the largest per-region number of
// sequential calls × 20 ms), then diff + gate + render over 100,000 snapshots
// with no latency (target < 2 s, memory linear). Imports the built dist/.
// Each page size runs in a child process of its own, so nothing of another run
// counts in its figures; the peak RSS target is checked on the built CLI (one
// plan per process).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { REGION_NAMES } from "../dist/core/regions.js";
import { diff } from "../dist/diff/diff.js";
import { gateBatch } from "../dist/gate/gate.js";
import { loadPolicyBundle } from "../dist/gate/policy/index.js";
import { lightsailClientFactory } from "../dist/lightsail/client.js";
import { buildPlan } from "../dist/plan/build.js";
import { renderMarkdown } from "../dist/plan/render-markdown.js";
import { renderText } from "../dist/plan/render-text.js";
import { makePlan } from "../dist/reconcile/plan-pipeline.js";
import { gitRepo, spawnEmulator } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const ACCOUNT = "111122223333";
const NOW = Date.now();
const DAY = 86_400_000;
const LATENCY_MS = 20;
// Lightsail's page size is not documented: measure at the emulator's default (50) and at 100.
const PAGE_SIZES = [50, 100];
const TOTAL = 10_000;
const runs = Number(process.env.BENCH_RUNS ?? 9);
// JIT warm-up before measuring (a long-running `serve` plans warm); the cold CLI is reported apart.
const WARMUPS = 2;
const CLI_RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

process.env.AWS_ACCESS_KEY_ID = "test";
process.env.AWS_SECRET_ACCESS_KEY = "test";
process.env.AWS_REGION = "us-east-1";

function fleet(total, regions) {
  const perRegion = Math.ceil(total / regions.length);
  const seed = { account: ACCOUNT, regions: {} };
  for (const r of regions) {
    const snapshots = [];
    for (let i = 0; i < perRegion; i++) {
      snapshots.push({
        name: `data-${String(i).padStart(5, "0")}`,
        fromDisk: "data",
        createdAt: new Date(NOW - (i + 8) * 3_600_000).toISOString(),
        sizeInGb: 32,
        tags: { "managed-by": "snapgate", team: "storage" },
      });
    }
    seed.regions[r] = { disks: [{ name: "data", sizeInGb: 32 }], snapshots };
  }
  return { seed, perRegion };
}

function repo(regions, newest) {
  const files = {
    "snapgate.yaml": `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: bench }
spec:
  account: "${ACCOUNT}"
  regions: ["*"]
  scope: { matchTags: { managed-by: snapgate } }
  guards: { maxDeletions: 100000, maxDeletionPercent: 100, minSnapshotsPerDisk: 1, allowEmpty: false }
  policy: { bundle: builtin, data: { minAgeDays: 0, maxDeletions: 100000 } }
`,
  };
  for (const r of regions) {
    files[`snapshots/${r}.yaml`] = `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: set-${r} }
spec:
  region: ${r}
  retain: [{ fromDisk: data, newest: ${newest} }]
`;
  }
  return gitRepo(files);
}

async function planWithLatency(PAGE_SIZE) {
  const regions = REGION_NAMES;
  const { seed, perRegion } = fleet(TOTAL, regions);
  // The emulator runs in its own process, as Lightsail would: it must not share our event loop.
  const emulator = await spawnEmulator({ ...seed, faults: { latencyMs: LATENCY_MS } }, PAGE_SIZE);
  const dir = repo(regions, perRegion - 25);
  const cacheDir = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-cache-"));
  const clients = lightsailClientFactory({ endpoint: emulator.url });
  // warm-up: git cache, wasm compile, SDK clients, JIT
  for (let i = 0; i < WARMUPS; i++) await makePlan({ repo: dir, cacheDir, clients, nowMs: NOW });
  const times = [];
  const steps = [];
  let rssPeak = 0;
  let plan;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await makePlan({ repo: dir, cacheDir, clients, nowMs: NOW });
    times.push(performance.now() - t0);
    steps.push(out.steps);
    plan = out.plan;
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }
  const cli = coldCliRuns(dir, cacheDir, emulator.url);
  emulator.stop();
  // Sequential calls per region: the snapshot pages (GetDisks pages run alongside).
  const sequentialCalls = Math.ceil(perRegion / PAGE_SIZE);
  const floor = sequentialCalls * LATENCY_MS;
  const wall = median(times);
  const stepMedians = {};
  for (const name of new Set(steps.flat().map((s) => s.step))) {
    stepMedians[name] = median(
      steps.map((rs) => rs.filter((s) => s.step === name).reduce((a, s) => a + s.ms, 0)),
    );
  }
  return {
    pageSize: PAGE_SIZE,
    sequentialPages: sequentialCalls,
    snapshots: plan.summary.live,
    deletions: plan.summary.deletions,
    wallMs: Math.round(wall),
    floorMs: floor,
    ratio: +(wall / floor).toFixed(2),
    target: 1.5,
    peakRssMb: Math.round(rssPeak / 1e6),
    // the whole process's high-water mark (process.resourceUsage().maxRSS is in KiB)
    processMaxRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
    coldCliMs: Math.round(median(cli.times)),
    cliPeakRssMb: Math.round(cli.maxRss / 1e6),
    steps: stepMedians,
    // the Lightsail part alone, against the same floor (git and local work are not in the floor)
    listLiveRatio: +(stepMedians["list-live"] / floor).toFixed(2),
  };
}

/** `snapgate plan` as a user runs it: a fresh process each time (Node start-up and module loading included). */
function coldCliRuns(dir, cacheDir, endpoint) {
  const cli = path.join(here, "..", "dist", "cli", "main.js");
  const rssFile = path.join(mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-rss-")), "rss");
  const times = [];
  let maxRss = 0;
  for (let i = 0; i < CLI_RUNS; i++) {
    const t0 = performance.now();
    execFileSync(
      process.execPath,
      [
        "--import",
        path.join(here, "report-rss.mjs"),
        cli,
        "plan",
        "--repo",
        dir,
        "--cache-dir",
        cacheDir,
        "--endpoint-url",
        endpoint,
        "--format",
        "json",
      ],
      {
        env: { ...process.env, NODE_NO_WARNINGS: "1", SNAPGATE_BENCH_RSS_FILE: rssFile },
        stdio: ["ignore", "ignore", "inherit"],
      },
    );
    times.push(performance.now() - t0);
    maxRss = Math.max(maxRss, Number(readFileSync(rssFile, "utf8")));
  }
  return { times, maxRss };
}

function syntheticInventory(n) {
  const regions = REGION_NAMES;
  const snapshots = [];
  for (let i = 0; i < n; i++) {
    const region = regions[i % regions.length];
    snapshots.push({
      region,
      name: `data-${i}`,
      arn: `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`,
      createdAt: new Date(NOW - (i % 500) * DAY).toISOString(),
      sizeInGb: 32,
      state: "completed",
      fromDiskName: `disk-${i % 160}`,
      isFromAutoSnapshot: false,
      tags: { "managed-by": "snapgate" },
    });
  }
  return { regions, snapshots, disks: [] };
}

async function bigDiffAndRender() {
  const engine = await loadPolicyBundle(
    { kind: "builtin" },
    { minAgeDays: 0, maxDeletions: 1_000_000 },
  );
  const results = [];
  for (const n of [10_000, 50_000, 100_000]) {
    const inventory = syntheticInventory(n);
    const sets = REGION_NAMES.map((r) => ({
      name: `s-${r}`,
      region: r,
      keep: [],
      retain: Array.from({ length: 10 }, (_, d) => ({
        fromDisk: `disk-${d * 16 + REGION_NAMES.indexOf(r)}`,
        newest: 30,
      })),
      file: "x.yaml",
    }));
    const desired = {
      name: "bench",
      spec: {
        account: ACCOUNT,
        regions: REGION_NAMES,
        scope: { matchTags: { "managed-by": "snapgate" } },
        guards: {
          maxDeletions: 1e9,
          maxDeletionPercent: 100,
          minSnapshotsPerDisk: 1,
          allowEmpty: false,
        },
        policy: { bundle: "builtin", data: {} },
        access: { allow: [], deny: [] },
        apply: { autoApplyBranches: [], maxPlanAgeMs: 3600000 },
        suspend: false,
      },
      sets,
    };
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const d = diff(desired, inventory, NOW);
    const tDiff = performance.now();
    const { decisions } = await gateBatch(
      { desired, inventory, diff: d, commit: "0".repeat(40), nowMs: NOW },
      { policy: engine, access: () => ({ allowed: true }) },
    );
    const tGate = performance.now();
    const plan = buildPlan({
      source: { repo: "r", ref: "main", commit: "0".repeat(40), base: null },
      account: ACCOUNT,
      regions: REGION_NAMES,
      policy: { bundle: "builtin", digest: engine.digest },
      inventory,
      diff: d,
      decisions,
      nowMs: NOW,
    });
    const text = renderText(plan, { color: false });
    const md = renderMarkdown(plan);
    const tEnd = performance.now();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    results.push({
      snapshots: n,
      candidates: d.candidates.length,
      diffMs: Math.round(tDiff - t0),
      gateMs: Math.round(tGate - tDiff),
      buildAndRenderMs: Math.round(tEnd - tGate),
      diffPlusRenderMs: Math.round(tDiff - t0 + (tEnd - tGate)),
      heapGrowthMb: +heapMb.toFixed(1),
      outputChars: text.length + md.length,
    });
  }
  return results;
}

/**
 * The calendar rule at scale: 100,000 snapshots (one every 6 hours) in 1,000
 * sources, every source under a full calendar (hourly … yearly, Europe/Berlin)
 * plus within; its diff+render is compared with the newest-rule row of the same
 * size measured in this run (target: under 2×).
 */
async function calendarDiffAndRender(baseline) {
  const engine = await loadPolicyBundle(
    { kind: "builtin" },
    { minAgeDays: 0, maxDeletions: 1_000_000 },
  );
  const regions = REGION_NAMES;
  const n = 100_000;
  const sources = 1_000;
  const snapshots = [];
  for (let i = 0; i < n; i++) {
    const source = i % sources;
    const region = regions[source % regions.length];
    snapshots.push({
      region,
      name: `cal-${i}`,
      arn: `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/${String(i).padStart(8, "0")}-0000-4000-8000-000000000000`,
      createdAt: new Date(NOW - Math.floor(i / sources) * 6 * 3_600_000).toISOString(),
      sizeInGb: 32,
      state: "completed",
      ...(source % 5 === 0
        ? { fromInstanceName: `inst-${source}` }
        : { fromDiskName: `disk-${source}` }),
      isFromAutoSnapshot: false,
      tags: { "managed-by": "snapgate" },
    });
  }
  const inventory = { regions, snapshots, disks: [] };
  const calendar = {
    timezone: "Europe/Berlin",
    hourly: 24,
    daily: 7,
    weekly: 4,
    monthly: 12,
    yearly: "all",
  };
  const sets = regions.map((r, ri) => ({
    name: `s-${r}`,
    region: r,
    keep: [],
    retain: Array.from({ length: sources }, (_, source) => source)
      .filter((source) => source % regions.length === ri)
      .map((source) => ({
        ...(source % 5 === 0 ? { fromInstance: `inst-${source}` } : { fromDisk: `disk-${source}` }),
        calendar,
        withinMs: 48 * 3_600_000,
        withinText: "48h",
      })),
    file: "x.yaml",
  }));
  const desired = {
    name: "bench",
    spec: {
      account: ACCOUNT,
      regions,
      scope: { matchTags: { "managed-by": "snapgate" } },
      guards: {
        maxDeletions: 1e9,
        maxDeletionPercent: 100,
        minSnapshotsPerDisk: 1,
        allowEmpty: false,
      },
      policy: { bundle: "builtin", data: {} },
      access: { allow: [], deny: [] },
      apply: { autoApplyBranches: [], maxPlanAgeMs: 3600000 },
      suspend: false,
    },
    sets,
  };
  const t0 = performance.now();
  const d = diff(desired, inventory, NOW);
  const tDiff = performance.now();
  const { decisions } = await gateBatch(
    { desired, inventory, diff: d, commit: "0".repeat(40), nowMs: NOW },
    { policy: engine, access: () => ({ allowed: true }) },
  );
  const tGate = performance.now();
  const plan = buildPlan({
    source: { repo: "r", ref: "main", commit: "0".repeat(40), base: null },
    account: ACCOUNT,
    regions,
    policy: { bundle: "builtin", digest: engine.digest },
    inventory,
    diff: d,
    decisions,
    nowMs: NOW,
  });
  renderText(plan, { color: false });
  renderMarkdown(plan);
  const tEnd = performance.now();
  const diffPlusRenderMs = Math.round(tDiff - t0 + (tEnd - tGate));
  return {
    snapshots: n,
    sources,
    desired: d.desired.length,
    candidates: d.candidates.length,
    diffMs: Math.round(tDiff - t0),
    diffPlusRenderMs,
    baselineMs: baseline.diffPlusRenderMs,
    ratio: +(diffPlusRenderMs / baseline.diffPlusRenderMs).toFixed(2),
    target: 2,
  };
}

const scenario = process.argv.indexOf("--scenario");
if (scenario !== -1) {
  // child: one page size, result as one JSON line on stdout
  const out = await planWithLatency(Number(process.argv[scenario + 1]));
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
  process.exit(0);
}

const withLatencyAll = [];
for (const pageSize of PAGE_SIZES) {
  const child = spawnSync(
    process.execPath,
    ["--expose-gc", fileURLToPath(import.meta.url), "--scenario", String(pageSize)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 },
  );
  const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (child.status !== 0 || !line)
    throw new Error(`plan scenario ${pageSize} failed (exit ${child.status})`);
  withLatencyAll.push(JSON.parse(line.slice("RESULT ".length)));
}
const withLatency = withLatencyAll[0];
const big = await bigDiffAndRender();
const calendarRow = await calendarDiffAndRender(big.find((r) => r.snapshots === 100_000));
const result = {
  benchmark: "plan",
  withLatency,
  withLatencyAll,
  noLatency: big,
  calendar: calendarRow,
};
mkdirSync(path.join(here, "out"), { recursive: true });
writeFileSync(path.join(here, "out", "plan.json"), `${JSON.stringify(result, null, 2)}\n`);
for (const w of withLatencyAll) {
  console.log(
    `plan 10k snapshots/16 regions @${LATENCY_MS}ms, page size ${w.pageSize}: median ${w.wallMs} ms; floor ${w.floorMs} ms (${w.sequentialPages} sequential pages × ${LATENCY_MS} ms); ratio ${w.ratio} (target ≤ ${w.target})`,
  );
  console.log(
    `  the built CLI, a fresh process per plan (start-up included): median ${w.coldCliMs} ms; its peak RSS ${w.cliPeakRssMb} MB (target ≤ 200; this benchmark's own process, after ${WARMUPS + runs} plans in one heap: ${w.processMaxRssMb} MB)`,
  );
  console.log(`  step medians (ms): ${JSON.stringify(w.steps)}`);
  console.log(
    `  list-live alone: ${w.steps["list-live"]} ms; ratio ${w.listLiveRatio} to the same floor`,
  );
}
for (const r of big) {
  console.log(
    `diff+render ${r.snapshots} snapshots (no latency): ${r.diffPlusRenderMs} ms (gate ${r.gateMs} ms for ${r.candidates} candidates); heap +${r.heapGrowthMb} MB`,
  );
}
console.log(
  `diff+render ${calendarRow.snapshots} snapshots in ${calendarRow.sources} sources, full calendar + within (no latency): ${calendarRow.diffPlusRenderMs} ms (diff ${calendarRow.diffMs} ms; ${calendarRow.desired} kept); ratio ${calendarRow.ratio} to the row above (target < ${calendarRow.target})`,
);
