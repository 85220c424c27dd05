// Benchmark: the emulator's GetDiskSnapshots and DeleteDiskSnapshot throughput on 10,000
// snapshots in one region, no injected latency, through the real AWS SDK with 16 concurrent
// clients (configured as snapgate's own; the listing is measured in 5 passes, median reported). The emulator runs in its own worker thread (its own core), as it would in a
// separate process. Needs `npx tsc -p tsconfig.build.json` first (imports dist/).
// Prints figure, target floor and ratio; writes bench/out/emulator.json.
// On a 2-core machine the SDK client thread saturates first, so the script also reports the
// emulator thread's busy fraction and the capacity it implies (requests/s ÷ busy fraction).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  LightsailClient,
} from "@aws-sdk/client-lightsail";

const SNAPSHOTS = 10_000;
const CONCURRENCY = 16;
const PAGE_SIZE = 50;
const LISTINGS = 16; // full listings walked in parallel, one per client
const FLOOR_RPS = 2_000;
const LISTING_PASSES = 5;

const emulatorModule = new URL("../dist/emulator/index.js", import.meta.url).href;
const { buildStore, seedFromObject } = await import(
  new URL("../dist/emulator/seed.js", import.meta.url).href
);

/** Server-side page cost with no HTTP or SDK noise: the first page vs the last page of 10,000. */
function benchPageCost() {
  const region = buildStore(seedFromObject(seed()), Date.now()).region("us-east-1");
  const tokens = [];
  let token;
  do {
    const page = region.snapshotPage(token, PAGE_SIZE);
    tokens.push(token);
    token = page.nextPageToken;
  } while (token);
  const timePage = (t) => {
    const reps = 20_000;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) region.snapshotPage(t, PAGE_SIZE);
    return ((performance.now() - t0) / reps) * 1000;
  };
  timePage(tokens[1]); // warm-up
  const firstUs = timePage(tokens[0]);
  const lastUs = timePage(tokens.at(-1));
  return {
    firstPageMicros: round(firstUs),
    lastPageMicros: round(lastUs),
    lastOverFirst: round(lastUs / firstUs),
  };
}

function seed() {
  const base = Date.parse("2026-01-01T00:00:00Z");
  return {
    account: "111122223333",
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 64 }],
        snapshots: Array.from({ length: SNAPSHOTS }, (_, i) => ({
          name: `web-data-${String(i).padStart(5, "0")}`,
          fromDisk: "web-data",
          createdAt: new Date(base + i * 60_000).toISOString(),
          sizeInGb: 64,
          tags: { "managed-by": "snapgate", team: "storage" },
        })),
      },
    },
  };
}

/** Starts the emulator in a worker thread; resolves with its URL and a stop function. */
function startEmulatorWorker(options) {
  const worker = new Worker(
    `import { parentPort, workerData } from "node:worker_threads";
     const { startEmulator } = await import(workerData.module);
     const emu = await startEmulator(workerData.options);
     parentPort.postMessage({ url: emu.url });
     let elu = performance.eventLoopUtilization();
     parentPort.on("message", async (m) => {
       if (m === "elu-start") { elu = performance.eventLoopUtilization(); parentPort.postMessage({}); }
       if (m === "elu") parentPort.postMessage({ elu: performance.eventLoopUtilization(elu).utilization });
       if (m === "count") parentPort.postMessage({ count: emu.snapshots().length, deleted: emu.deletedSnapshots().length });
       if (m === "stop") { await emu.close(); parentPort.postMessage({ stopped: true }); }
     });`,
    { eval: true, workerData: { module: emulatorModule, options } },
  );
  const next = () =>
    new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
  return next().then(({ url }) => ({
    url,
    ask: async (m) => {
      const p = next();
      worker.postMessage(m);
      return p;
    },
    stop: async () => {
      const p = next();
      worker.postMessage("stop");
      await p;
      await worker.terminate();
    },
  }));
}

function client(url) {
  return new LightsailClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    // as snapgate's own clients (src/lightsail/client.ts): no per-call middleware resolution
    cacheMiddleware: true,
  });
}

async function walkListing(c) {
  const pageMs = [];
  let names = 0;
  let pageToken;
  do {
    const t0 = performance.now();
    const page = await c.send(new GetDiskSnapshotsCommand({ pageToken }));
    pageMs.push(performance.now() - t0);
    names += page.diskSnapshots.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return { pageMs, names };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function benchListing() {
  const emu = await startEmulatorWorker({ seed: seed(), pageSize: PAGE_SIZE });
  try {
    const clients = Array.from({ length: LISTINGS }, () => client(emu.url));
    await Promise.all(clients.map(walkListing)); // warm-up: JIT, connections
    // Repeated passes; the one with the median throughput is reported (this machine is noisy).
    const passes = [];
    for (let i = 0; i < LISTING_PASSES; i++) {
      await emu.ask("elu-start");
      const clientElu = performance.eventLoopUtilization();
      const t0 = performance.now();
      const walks = await Promise.all(clients.map(walkListing));
      const seconds = (performance.now() - t0) / 1000;
      const { elu } = await emu.ask("elu");
      const clientBusy = performance.eventLoopUtilization(clientElu).utilization;
      const requests = walks.reduce((n, w) => n + w.pageMs.length, 0);
      passes.push({ walks, seconds, elu, clientBusy, requests, rps: requests / seconds });
    }
    passes.sort((a, b) => a.rps - b.rps);
    const { walks, seconds, elu, clientBusy, requests } = passes[Math.floor(passes.length / 2)];
    if (walks.some((w) => w.names !== SNAPSHOTS))
      throw new Error("a listing did not return every snapshot");
    const pages = walks[0].pageMs.length;
    const window = 10;
    const firstPagesMs = mean(walks.flatMap((w) => w.pageMs.slice(0, window)));
    const lastPagesMs = mean(walks.flatMap((w) => w.pageMs.slice(-window)));
    // Time per page with one client alone, first vs last pages: the O(page) check.
    const solo = await walkListing(clients[0]);
    return {
      requests,
      seconds: round(seconds, 3),
      requestsPerSecond: round(requests / seconds, 0),
      passes: LISTING_PASSES,
      passRequestsPerSecond: passes.map((p) => round(p.rps, 0)),
      emulatorThreadBusy: round(elu),
      emulatorCapacityRps: round(requests / seconds / elu, 0),
      clientThreadBusy: round(clientBusy),
      pagesPerListing: pages,
      concurrentMeanMsFirst10Pages: round(firstPagesMs),
      concurrentMeanMsLast10Pages: round(lastPagesMs),
      soloMeanMsFirst10Pages: round(mean(solo.pageMs.slice(0, window))),
      soloMeanMsLast10Pages: round(mean(solo.pageMs.slice(-window))),
    };
  } finally {
    await emu.stop();
  }
}

async function benchDelete(statePath) {
  const emu = await startEmulatorWorker({
    seed: seed(),
    pageSize: PAGE_SIZE,
    ...(statePath ? { statePath } : {}),
  });
  try {
    const clients = Array.from({ length: CONCURRENCY }, () => client(emu.url));
    const names = Array.from(
      { length: SNAPSHOTS },
      (_, i) => `web-data-${String(i).padStart(5, "0")}`,
    );
    let next = 0;
    let failures = 0;
    // warm-up on the same code paths (SigV4, dispatch, snapshot lookup), deleting nothing
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < 100; i++)
          await c.send(new GetDiskSnapshotCommand({ diskSnapshotName: names[i] }));
      }),
    );
    await emu.ask("elu-start");
    const clientElu = performance.eventLoopUtilization();
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c) => {
        while (next < names.length) {
          const name = names[next++];
          await c
            .send(new DeleteDiskSnapshotCommand({ diskSnapshotName: name }))
            .catch(() => failures++);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const { elu } = await emu.ask("elu");
    const clientBusy = performance.eventLoopUtilization(clientElu).utilization;
    const { count, deleted } = await emu.ask("count");
    if (count !== 0 || deleted !== SNAPSHOTS || failures > 0) {
      throw new Error(
        `delete run incomplete: ${count} left, ${deleted} deleted, ${failures} failures`,
      );
    }
    return {
      requests: SNAPSHOTS,
      seconds: round(seconds, 3),
      requestsPerSecond: round(SNAPSHOTS / seconds, 0),
      emulatorThreadBusy: round(elu),
      emulatorCapacityRps: round(SNAPSHOTS / seconds / elu, 0),
      clientThreadBusy: round(clientBusy),
    };
  } finally {
    await emu.stop();
  }
}

function line(label, r) {
  console.log(
    `${label.padEnd(44)} ${String(r.requestsPerSecond).padStart(7)} req/s   floor ${FLOOR_RPS}   ratio ${round(r.requestsPerSecond / FLOOR_RPS)}x` +
      `   (emulator thread busy ${Math.round(r.emulatorThreadBusy * 100)}% → capacity ~${r.emulatorCapacityRps} req/s; SDK client thread busy ${Math.round(r.clientThreadBusy * 100)}%)`,
  );
}

const listing = await benchListing();
const deletion = await benchDelete();
const dir = mkdtempSync(join(tmpdir(), "snapgate-bench-"));
let persisted;
try {
  persisted = await benchDelete(join(dir, "state.json"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const pageCost = benchPageCost();

console.log(
  `emulator benchmark: ${SNAPSHOTS} snapshots, page size ${PAGE_SIZE}, ${CONCURRENCY} concurrent SDK clients`,
);
line("GetDiskSnapshots (full listings)", listing);
line("DeleteDiskSnapshot", deletion);
line("DeleteDiskSnapshot with --state persistence", persisted);
console.log(
  `time per page, one client: first 10 pages ${listing.soloMeanMsFirst10Pages} ms, last 10 pages ${listing.soloMeanMsLast10Pages} ms ` +
    `(ratio ${round(listing.soloMeanMsLast10Pages / listing.soloMeanMsFirst10Pages)}; ~1 means O(page), not O(fleet))`,
);

console.log(
  `store page lookup (server side, no HTTP): first page ${pageCost.firstPageMicros} µs, last page ${pageCost.lastPageMicros} µs ` +
    `(ratio ${pageCost.lastOverFirst})`,
);

const results = {
  benchmark: "emulator",
  at: new Date().toISOString(),
  node: process.version,
  snapshots: SNAPSHOTS,
  pageSize: PAGE_SIZE,
  concurrency: CONCURRENCY,
  floorRequestsPerSecond: FLOOR_RPS,
  pageLookup: pageCost,
  getDiskSnapshots: { ...listing, ratio: round(listing.requestsPerSecond / FLOOR_RPS) },
  deleteDiskSnapshot: { ...deletion, ratio: round(deletion.requestsPerSecond / FLOOR_RPS) },
  deleteDiskSnapshotWithState: {
    ...persisted,
    ratio: round(persisted.requestsPerSecond / FLOOR_RPS),
  },
};
const outDir = new URL("./out/", import.meta.url);
mkdirSync(outDir, { recursive: true });
writeFileSync(new URL("emulator.json", outDir), `${JSON.stringify(results, null, 2)}\n`);
