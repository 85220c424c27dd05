// Benchmark: `plan` over 10,000 snapshots in 16 regions with 20 ms emulator
// latency (figure: wall time; floor: the largest per-region number of
// sequential calls × 20 ms), then diff + gate + render over 100,000 snapshots
// with no latency (target < 2 s, memory linear). Imports the built dist/.
// Each page size runs in a child process of its own, so nothing of another run
// counts in its figures; the peak RSS target is checked on the built CLI (one
// plan per process).
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { REGION_NAMES } from "../dist/core/regions.js";
import { diff } from "../dist/diff/diff.js";
import { gateBatch } from "../dist/gate/gate.js";
import { loadPolicyBundle } from "../dist/gate/policy/index.js";
import { lightsailClientFactory } from "../dist/lightsail/client.js";
import { buildPlan } from "../dist/plan/build.js";
import { renderMarkdown } from "../dist/plan/render-markdown.js";
import { renderText } from "../dist/plan/render-text.js";
import { makePlan } from "../dist/reconcile/plan-pipeline.js";
import { bareListing } from "./bare-listing.mjs";
import { gitRepo, interleaved, median, row, spawnEmulator, writeRows } from "./lib.mjs";

const execFileAsync = promisify(execFile);

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
const CLI_RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);
/** plan (git apart) over the bare SDK listing of the same pages */
const PLAN_TARGET = 1.5;
/** a cold `snapgate plan` over the same plan in-process */
const COLD_TARGET = 1.3;
/** diff + gate + render over a plain sort of the same snapshots */
const DIFF_TARGET = 40;

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
  const bare = await bareListing(emulator.url, regions);
  // warm-up: git cache, wasm compile, SDK clients, JIT
  for (let i = 0; i < WARMUPS; i++) {
    await makePlan({ repo: dir, cacheDir, clients, nowMs: NOW });
    if ((await bare()) !== perRegion * regions.length) throw new Error("bare listing incomplete");
  }
  const steps = [];
  let rssPeak = 0;
  let plan;
  // plan and its baseline interleaved, so a load spike hits both alike
  const [times, bareTimes] = await interleaved(
    [
      async () => {
        const out = await makePlan({ repo: dir, cacheDir, clients, nowMs: NOW });
        steps.push(out.steps);
        plan = out.plan;
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      },
      bare,
    ],
    runs,
  );
  const cli = await coldCliRuns(dir, cacheDir, emulator.url);
  emulator.stop();
  // Sequential calls per region: the snapshot pages (GetDisks pages run alongside).
  const sequentialCalls = Math.ceil(perRegion / PAGE_SIZE);
  const floor = sequentialCalls * LATENCY_MS;
  const wall = median(times);
  const stepOf = (rs, name) => rs.filter((s) => s.step === name).reduce((a, s) => a + s.ms, 0);
  const stepMedians = {};
  for (const name of new Set(steps.flat().map((s) => s.step))) {
    stepMedians[name] = median(steps.map((rs) => stepOf(rs, name)));
  }
  // plan without its git checkout (reported apart), over the bare listing, run by run
  const withoutGit = times.map((t, i) => t - stepOf(steps[i], "checkout"));
  const bareMs = median(bareTimes);
  return {
    pageSize: PAGE_SIZE,
    sequentialPages: sequentialCalls,
    snapshots: plan.summary.live,
    deletions: plan.summary.deletions,
    wallMs: Math.round(wall),
    withoutGitMs: Math.round(median(withoutGit)),
    bareListingMs: Math.round(bareMs),
    ratio: +(median(withoutGit) / bareMs).toFixed(2),
    target: PLAN_TARGET,
    floorMs: floor,
    floorRatio: +(wall / floor).toFixed(2),
    peakRssMb: Math.round(rssPeak / 1e6),
    // the whole process's high-water mark (process.resourceUsage().maxRSS is in KiB)
    processMaxRssMb: Math.round((process.resourceUsage().maxRSS * 1024) / 1e6),
    coldCliMs: Math.round(median(cli.times)),
    // the same `plan` command (audit records and output included) run in this process, warm
    inProcessMs: Math.round(median(cli.inProcess)),
    coldRatio: +(median(cli.times) / median(cli.inProcess)).toFixed(2),
    nodeStartMs: Math.round(median(cli.nodeStart)),
    planHelpMs: Math.round(median(cli.helpTimes)),
    coldBareListingMs: Math.round(median(cli.coldBareTimes)),
    warmBareListingMs: Math.round(median(cli.warmBareTimes)),
    // a cold plan whose only cold cost is the SDK's, over in-process: what the target is up against
    sdkColdBoundRatio: +(
      (median(cli.inProcess) + median(cli.coldBareTimes) - median(cli.warmBareTimes)) /
      median(cli.inProcess)
    ).toFixed(2),
    coldTarget: COLD_TARGET,
    cliPeakRssMb: Math.round(cli.maxRss / 1e6),
    steps: stepMedians,
    // the Lightsail part alone, against the same floor (git and local work are not in the floor)
    listLiveRatio: +(stepMedians["list-live"] / floor).toFixed(2),
  };

  /**
   * `snapgate plan` as a user runs it: a fresh process each time (Node start-up and module
   * loading included), interleaved with the very same command run in this process (its
   * audit records and its output included, which makePlan alone does not do).
   */
  async function coldCliRuns(dir, cacheDir, endpoint) {
    const bin = path.join(here, "..", "dist", "cli", "bin.js");
    const rssFile = path.join(mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-rss-")), "rss");
    let maxRss = 0;
    const args = [
      "--import",
      path.join(here, "report-rss.mjs"),
      bin,
      "plan",
      "--repo",
      dir,
      "--cache-dir",
      cacheDir,
      "--endpoint-url",
      endpoint,
      "--format",
      "json",
    ];
    // each its own state directory, so neither appends to a log the other has grown
    const stateOf = () => mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-state-"));
    const env = {
      ...process.env,
      NODE_NO_WARNINGS: "1",
      SNAPGATE_BENCH_RSS_FILE: rssFile,
      SNAPGATE_STATE_DIR: stateOf(),
    };
    const planArgs = args.slice(args.indexOf("plan"));
    const inProcessState = stateOf();
    // warm, as a long-running process is: once before measuring
    await planCommandInProcess(planArgs, inProcessState);
    // Where the cold run's extra time goes: Node's own start (`node -e 0`) and loading the CLI
    // with the plan command's modules (`plan --help`), each a fresh process in the same rounds.
    const bareNode = () => execFileAsync(process.execPath, ["-e", "0"], { env });
    const planHelp = () => execFileAsync(process.execPath, [bin, "plan", "--help"], { env });
    // What the AWS SDK alone costs cold: a fresh process that loads only the SDK and lists
    // the same pages, against the same listing in this (warm) process.
    const expected = String(perRegion * regions.length);
    const bareScript = path.join(here, "bare-listing.mjs");
    const coldBare = () =>
      execFileAsync(process.execPath, [bareScript, endpoint, expected], { env });
    const [times, inProcess, nodeStart, helpTimes, coldBareTimes, warmBareTimes] =
      await interleaved(
        [
          async () => {
            await execFileAsync(process.execPath, args, { env, maxBuffer: 1 << 28 });
            maxRss = Math.max(maxRss, Number(readFileSync(rssFile, "utf8")));
          },
          () => planCommandInProcess(planArgs, inProcessState),
          bareNode,
          planHelp,
          coldBare,
          bare,
        ],
        CLI_RUNS,
      );
    return { times, inProcess, maxRss, nodeStart, helpTimes, coldBareTimes, warmBareTimes };
  }

  /** The CLI's own `plan` command (tsc's build of it), run in this process; output discarded. */
  async function planCommandInProcess(planArgs, stateDir) {
    const { Command } = await import("commander");
    const { registerPlanCommand } = await import("../dist/cli/plan.js");
    const program = new Command("snapgate").exitOverride();
    registerPlanCommand(program);
    const write = process.stdout.write;
    process.stdout.write = () => true;
    const before = process.env.SNAPGATE_STATE_DIR;
    process.env.SNAPGATE_STATE_DIR = stateDir;
    try {
      await program.parseAsync(["node", "snapgate", ...planArgs]);
    } finally {
      process.stdout.write = write;
      if (before === undefined) delete process.env.SNAPGATE_STATE_DIR;
      else process.env.SNAPGATE_STATE_DIR = before;
    }
  }
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
    // The baseline: a plain sort of the same snapshots (region, then age, then name),
    // interleaved with two more diff+render runs; the ratio is of the medians.
    const sortSnapshots = () =>
      inventory.snapshots
        .slice()
        .sort(
          (a, b) =>
            a.region.localeCompare(b.region) ||
            a.createdAt.localeCompare(b.createdAt) ||
            a.name.localeCompare(b.name),
        );
    const diffRender = async () => {
      const dd = diff(desired, inventory, NOW);
      const { decisions: ds } = await gateBatch(
        { desired, inventory, diff: dd, commit: "0".repeat(40), nowMs: NOW },
        { policy: engine, access: () => ({ allowed: true }) },
      );
      const pl = buildPlan({
        source: { repo: "r", ref: "main", commit: "0".repeat(40), base: null },
        account: ACCOUNT,
        regions: REGION_NAMES,
        policy: { bundle: "builtin", digest: engine.digest },
        inventory,
        diff: dd,
        decisions: ds,
        nowMs: NOW,
      });
      renderText(pl, { color: false });
      renderMarkdown(pl);
    };
    const [more, sorts] = await interleaved([diffRender, sortSnapshots], 2);
    const allDiffRender = [tEnd - t0, ...more];
    results.push({
      snapshots: n,
      diffGateRenderMs: Math.round(median(allDiffRender)),
      sortMs: Math.round(median(sorts)),
      sortRatio: +(median(allDiffRender) / median(sorts)).toFixed(2),
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
const big = await bigDiffAndRender();
const calendarRow = await calendarDiffAndRender(big.find((r) => r.snapshots === 100_000));
const rows = [];
for (const w of withLatencyAll) {
  rows.push(
    row({
      id: `plan.list.page${w.pageSize}`,
      what: `plan, 10k snapshots in 16 regions, ${LATENCY_MS} ms latency, page size ${w.pageSize} (git apart) vs the bare SDK listing of the same pages`,
      figure: `${w.withoutGitMs} ms (+ git ${w.steps.checkout} ms)`,
      baseline: `${w.bareListingMs} ms`,
      ratio: w.ratio,
      target: w.target,
      better: "lower",
      floor: {
        ms: w.floorMs,
        ratio: w.floorRatio,
        what: `${w.sequentialPages} sequential pages × ${LATENCY_MS} ms`,
      },
      note: `whole plan ${w.wallMs} ms; peak RSS of the CLI process ${w.cliPeakRssMb} MB (≤ 200)`,
    }),
  );
}
const cold = withLatencyAll[0];
rows.push(
  row({
    id: "startup.cold-plan",
    what: `a cold \`snapgate plan\` (fresh process) vs the same plan in-process, page size ${cold.pageSize}`,
    figure: `${cold.coldCliMs} ms`,
    baseline: `${cold.inProcessMs} ms`,
    ratio: cold.coldRatio,
    target: cold.coldTarget,
    better: "lower",
    note: coldNote(cold),
  }),
);
/** The cold run's time over the in-process one, split into what fresh processes measured. */
function coldNote(w) {
  const extra = w.coldCliMs - w.inProcessMs;
  const loading = w.planHelpMs - w.nodeStartMs;
  // The SDK's own cold cost, measured in the same rounds: a plan that had no cold cost of its
  // own beyond the SDK's would still take the in-process time plus this.
  const sdkCold = w.coldBareListingMs - w.warmBareListingMs;
  return `${extra} ms over in-process: Node's start ${w.nodeStartMs} ms (\`node -e 0\`), loading the CLI and the plan command ${loading} ms (\`plan --help\` minus that), the other ${extra - w.nodeStartMs - loading} ms in the run itself (code not yet compiled by the JIT, a young heap's collections, the heap's teardown at exit). The AWS SDK alone listing the same pages in a fresh process takes ${w.coldBareListingMs} ms against ${w.warmBareListingMs} ms warm (+${sdkCold} ms): with no cold cost but the SDK's, a cold plan would be ${w.sdkColdBoundRatio}× in-process`;
}
const biggest = big.at(-1);
rows.push(
  row({
    id: "plan.diff-render",
    what: `diff+gate+render ${biggest.snapshots} snapshots vs a plain sort of the same snapshots`,
    figure: `${biggest.diffGateRenderMs} ms`,
    baseline: `${biggest.sortMs} ms`,
    ratio: biggest.sortRatio,
    target: DIFF_TARGET,
    better: "lower",
    note: `diff+render alone ${biggest.diffPlusRenderMs} ms (the old 2 s ceiling); heap +${biggest.heapGrowthMb} MB`,
  }),
  row({
    id: "plan.calendar",
    what: `diff+render ${calendarRow.snapshots} snapshots under a full calendar rule vs the newest-rule row`,
    figure: `${calendarRow.diffPlusRenderMs} ms`,
    baseline: `${calendarRow.baselineMs} ms`,
    ratio: calendarRow.ratio,
    target: calendarRow.target,
    better: "lower",
  }),
);
writeRows("plan", rows, { withLatencyAll, noLatency: big, calendar: calendarRow });
for (const w of withLatencyAll) {
  console.log(
    `plan 10k snapshots/16 regions @${LATENCY_MS}ms, page size ${w.pageSize}: median ${w.wallMs} ms (git ${w.steps.checkout} ms); without git ${w.withoutGitMs} ms vs the bare SDK listing ${w.bareListingMs} ms: ratio ${w.ratio} (target ≤ ${w.target}); latency floor ${w.floorMs} ms (ratio ${w.floorRatio})`,
  );
  console.log(
    `  cold CLI (fresh process) ${w.coldCliMs} ms vs in-process ${w.inProcessMs} ms: ratio ${w.coldRatio} (target ≤ ${w.coldTarget}); CLI peak RSS ${w.cliPeakRssMb} MB`,
  );
  console.log(`  ${coldNote(w)}`);
  console.log(`  step medians (ms): ${JSON.stringify(w.steps)}`);
}
for (const r of big) {
  console.log(
    `diff+gate+render ${r.snapshots} snapshots: ${r.diffGateRenderMs} ms vs plain sort ${r.sortMs} ms: ratio ${r.sortRatio} (diff+render alone ${r.diffPlusRenderMs} ms; heap +${r.heapGrowthMb} MB)`,
  );
}
console.log(
  `diff+render ${calendarRow.snapshots} snapshots in ${calendarRow.sources} sources, full calendar + within: ${calendarRow.diffPlusRenderMs} ms; ratio ${calendarRow.ratio} to the newest-rule row (target < ${calendarRow.target})`,
);
