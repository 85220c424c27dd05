// Benchmark: the emulator's GetDiskSnapshots and DeleteDiskSnapshot throughput on 10,000
// snapshots in one region, no injected latency, through the real AWS SDK with 16 concurrent
// clients (configured as snapgate's own; the listing is measured in 5 passes, median reported). The emulator runs in its own worker thread (its own core), as it would in a
// separate process. Needs `npx tsc -p tsconfig.build.json` first (imports dist/).
// Prints figure, target floor and ratio; writes bench/out/emulator.json.
// On a 2-core machine the SDK client thread saturates first, so the script also reports the
// emulator thread's busy fraction and the capacity it implies (requests/s ÷ busy fraction).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  LightsailClient,
} from "@aws-sdk/client-lightsail";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const SNAPSHOTS = 10_000;
const CONCURRENCY = 16;
const PAGE_SIZE = 50;
const LISTINGS = 16; // full listings walked in parallel, one per client
const FLOOR_RPS = 2_000;
const LISTING_PASSES = 5;
/** the emulator's throughput over a bare node:http server answering the same bodies */
const TARGET = 0.5;

import { row, writeRows } from "./lib.mjs";

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

function client(url, requestHandler) {
  return new LightsailClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
    // as snapgate's own clients (src/lightsail/client.ts): no per-call middleware resolution
    cacheMiddleware: true,
    ...(requestHandler ? { requestHandler } : {}),
  });
}

/**
 * An SDK request handler that keeps every answer's body by operation and page token, so a
 * bare server can send the very same bytes back.
 */
function recordingHandler(bodies) {
  const inner = new NodeHttpHandler();
  return {
    metadata: inner.metadata,
    destroy: () => inner.destroy(),
    updateHttpClientConfig: (...a) => inner.updateHttpClientConfig(...a),
    httpHandlerConfigs: () => inner.httpHandlerConfigs(),
    async handle(request, options) {
      const { response } = await inner.handle(request, options);
      const chunks = [];
      for await (const c of response.body) chunks.push(c);
      const body = Buffer.concat(chunks);
      const target = String(request.headers["x-amz-target"]).split(".").pop();
      const raw = request.body;
      const input = JSON.parse(
        (typeof raw === "string" ? raw : new TextDecoder().decode(raw ?? new Uint8Array())) || "{}",
      );
      const key = target === "GetDiskSnapshots" ? `${target}|${input.pageToken ?? ""}` : target;
      bodies[key] = body.toString("utf8");
      const { Readable } = await import("node:stream");
      response.body = Readable.from([body]);
      return { response };
    },
  };
}

/** A bare node:http server in its own worker thread: reads the request, sends the recorded body. */
function startBareWorker(bodies) {
  const worker = new Worker(
    `import { parentPort, workerData } from "node:worker_threads";
     import http from "node:http";
     const bodies = workerData.bodies;
     const server = http.createServer((req, res) => {
       const chunks = [];
       req.on("data", (c) => chunks.push(c));
       req.on("end", () => {
         const target = String(req.headers["x-amz-target"]).split(".").pop();
         const input = JSON.parse(Buffer.concat(chunks).toString() || "{}");
         const key = target === "GetDiskSnapshots" ? target + "|" + (input.pageToken ?? "") : target;
         const body = bodies[key] ?? "{}";
         res.writeHead(200, {
           "content-type": "application/x-amz-json-1.1",
           "x-amzn-RequestId": "00000000-0000-4000-8000-000000000000",
           "content-length": Buffer.byteLength(body),
         });
         res.end(body);
       });
     });
     server.listen(0, "127.0.0.1", () => parentPort.postMessage({ url: "http://127.0.0.1:" + server.address().port }));
     let elu = performance.eventLoopUtilization();
     parentPort.on("message", (m) => {
       if (m === "elu-start") { elu = performance.eventLoopUtilization(); parentPort.postMessage({}); }
       if (m === "elu") parentPort.postMessage({ elu: performance.eventLoopUtilization(elu).utilization });
       if (m === "stop") server.close(() => parentPort.postMessage({ stopped: true }));
     });`,
    { eval: true, workerData: { bodies } },
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

/** The answers the emulator gives: every listing page, and one delete. */
async function recordBodies() {
  const bodies = {};
  const emu = await startEmulatorWorker({ seed: seed(), pageSize: PAGE_SIZE });
  try {
    const c = client(emu.url, recordingHandler(bodies));
    await walkListing(c);
    await c.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-00000" }));
    await c.send(new GetDiskSnapshotCommand({ diskSnapshotName: "web-data-00001" }));
  } finally {
    await emu.stop();
  }
  return bodies;
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

/**
 * Full listings by 16 SDK clients, against the emulator and against the bare server in
 * alternating passes (a load spike hits both alike); each side's median pass is reported.
 */
async function benchListing(bodies) {
  const emu = await startEmulatorWorker({ seed: seed(), pageSize: PAGE_SIZE });
  const bare = await startBareWorker(bodies);
  try {
    const emuSide = await listingSide(emu);
    const bareSide = await listingSide(bare);
    const emuPasses = [];
    const barePasses = [];
    for (let i = 0; i < LISTING_PASSES; i++) {
      emuPasses.push(await emuSide.pass());
      barePasses.push(await bareSide.pass());
    }
    const result = await emuSide.report(emuPasses);
    result.bare = await bareSide.report(barePasses);
    return result;
  } finally {
    await emu.stop();
    await bare.stop();
  }
}

async function listingSide(emu) {
  const clients = Array.from({ length: LISTINGS }, () => client(emu.url));
  await Promise.all(clients.map(walkListing)); // warm-up: JIT, connections
  const pass = async () => {
    await emu.ask("elu-start");
    const clientElu = performance.eventLoopUtilization();
    const t0 = performance.now();
    const walks = await Promise.all(clients.map(walkListing));
    const seconds = (performance.now() - t0) / 1000;
    const { elu } = await emu.ask("elu");
    const clientBusy = performance.eventLoopUtilization(clientElu).utilization;
    const requests = walks.reduce((n, w) => n + w.pageMs.length, 0);
    return { walks, seconds, elu, clientBusy, requests, rps: requests / seconds };
  };
  const report = async (passes) => {
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
  };
  return { pass, report };
}

/** Deletes every snapshot with 16 SDK clients; with `bodies`, against the bare server instead. */
async function benchDelete(statePath, bodies) {
  const emu = bodies
    ? await startBareWorker(bodies)
    : await startEmulatorWorker({
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
    const { count, deleted } = bodies ? { count: 0, deleted: SNAPSHOTS } : await emu.ask("count");
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

const bodies = await recordBodies();
const listing = await benchListing(bodies);
// deletes: emulator and bare server alternately, three rounds each (each round deletes 10,000)
const deletes = [];
const bareDeletes = [];
for (let i = 0; i < 3; i++) {
  deletes.push(await benchDelete());
  bareDeletes.push(await benchDelete(undefined, bodies));
}
const medianOf = (runs) =>
  runs.sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(runs.length / 2)];
const deletion = medianOf(deletes);
const bareDeletion = medianOf(bareDeletes);
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
line("  bare node:http, same bodies", listing.bare);
line("DeleteDiskSnapshot", deletion);
line("  bare node:http, same body", bareDeletion);
line("DeleteDiskSnapshot with --state persistence", persisted);
console.log(
  `time per page, one client: first 10 pages ${listing.soloMeanMsFirst10Pages} ms, last 10 pages ${listing.soloMeanMsLast10Pages} ms ` +
    `(ratio ${round(listing.soloMeanMsLast10Pages / listing.soloMeanMsFirst10Pages)}; ~1 means O(page), not O(fleet))`,
);
console.log(
  `store page lookup (server side, no HTTP): first page ${pageCost.firstPageMicros} µs, last page ${pageCost.lastPageMicros} µs ` +
    `(ratio ${pageCost.lastOverFirst})`,
);

const rows = [
  row({
    id: "emulator.list",
    what: "emulator GetDiskSnapshots, 10k fleet, 16 SDK clients vs a bare node:http server sending the same bodies",
    figure: `${listing.requestsPerSecond} req/s`,
    baseline: `${listing.bare.requestsPerSecond} req/s`,
    ratio: listing.requestsPerSecond / listing.bare.requestsPerSecond,
    target: TARGET,
    better: "higher",
    floor: {
      rps: FLOOR_RPS,
      ratio: listing.requestsPerSecond / FLOOR_RPS,
      what: `${FLOOR_RPS} req/s`,
    },
    note: `page cost last/first ${pageCost.lastOverFirst}; emulator thread busy ${Math.round(listing.emulatorThreadBusy * 100)}%, SDK client thread ${Math.round(listing.clientThreadBusy * 100)}%`,
  }),
  row({
    id: "emulator.delete",
    what: "emulator DeleteDiskSnapshot, 16 SDK clients vs a bare node:http server sending the same body",
    figure: `${deletion.requestsPerSecond} req/s`,
    baseline: `${bareDeletion.requestsPerSecond} req/s`,
    ratio: deletion.requestsPerSecond / bareDeletion.requestsPerSecond,
    target: TARGET,
    better: "higher",
    floor: {
      rps: FLOOR_RPS,
      ratio: deletion.requestsPerSecond / FLOOR_RPS,
      what: `${FLOOR_RPS} req/s`,
    },
    note: `with --state persistence ${persisted.requestsPerSecond} req/s`,
  }),
];
writeRows("emulator", rows, {
  snapshots: SNAPSHOTS,
  pageSize: PAGE_SIZE,
  concurrency: CONCURRENCY,
  pageLookup: pageCost,
  getDiskSnapshots: listing,
  deleteDiskSnapshot: { runs: deletes, bare: bareDeletes },
  deleteDiskSnapshotWithState: persisted,
});
