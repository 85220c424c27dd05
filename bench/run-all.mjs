// `npm run bench`: runs every benchmark (each a separate process, one at a
// time so they do not disturb each other), then writes bench/results.json and
// prints one table: figure, floor and ratio for each. Needs `npm run build`.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const BENCHES = ["emulator", "plan", "policy", "apply", "serve"].filter(
  (b) => only.length === 0 || only.includes(b),
);

for (const name of BENCHES) {
  console.log(`\n== bench/${name}.mjs`);
  const r = spawnSync(process.execPath, ["--expose-gc", path.join(here, `${name}.mjs`)], {
    stdio: "inherit",
    env: { ...process.env, NODE_NO_WARNINGS: "1" },
  });
  if (r.status !== 0) {
    console.error(`bench/${name}.mjs failed (exit ${r.status})`);
    process.exitCode = 1;
  }
}

const read = (name) => JSON.parse(readFileSync(path.join(here, "out", `${name}.json`), "utf8"));
const rows = [];
const add = (bench, what, figure, floor, ratio, better, note = "") =>
  rows.push({ bench, what, figure, floor, ratio: +ratio.toFixed(2), better, note });

try {
  const e = read("emulator");
  add(
    "emulator",
    "GetDiskSnapshots, 10k fleet",
    `${e.getDiskSnapshots.requestsPerSecond} req/s`,
    "2000 req/s",
    e.getDiskSnapshots.requestsPerSecond / 2000,
    "higher",
    `page cost last/first ${e.pageLookup.lastOverFirst}`,
  );
  add(
    "emulator",
    "DeleteDiskSnapshot",
    `${e.deleteDiskSnapshot.requestsPerSecond} req/s`,
    "2000 req/s",
    e.deleteDiskSnapshot.requestsPerSecond / 2000,
    "higher",
  );
} catch {}
try {
  const p = read("plan");
  for (const w of p.withLatencyAll ?? [p.withLatency]) {
    add(
      "plan",
      `10k snapshots, 16 regions, 20 ms latency, page size ${w.pageSize ?? "?"}`,
      `${w.wallMs} ms`,
      `${w.floorMs} ms`,
      w.ratio,
      "lower",
      `target ≤ 1.5; listing alone ${w.steps["list-live"]} ms (ratio ${w.listLiveRatio}), git checkout ${w.steps.checkout} ms; peak RSS ${w.cliPeakRssMb} MB (the CLI process; ≤ 200); the cold CLI (fresh process, start-up included) ${w.coldCliMs} ms`,
    );
  }
  const big = p.noLatency.at(-1);
  add(
    "plan",
    `diff+render ${big.snapshots} snapshots`,
    `${big.diffPlusRenderMs} ms`,
    "2000 ms (ceiling)",
    big.diffPlusRenderMs / 2000,
    "lower",
  );
} catch {}
try {
  const p = read("policy");
  add(
    "policy",
    "decisions, 10k candidates",
    `${p.figure} /s (${p.medianRoundMs} ms per plan of 10k, one worker round-trip)`,
    `${p.floor} /s`,
    p.ratio,
    "higher",
    `wasm memory flat: ${p.wasmMemoryBytes.flat}`,
  );
} catch {}
try {
  for (const r of read("apply").results) {
    add(
      "apply",
      `1000 deletions, ${r.scenario}`,
      `${r.wallMs} ms`,
      `${r.floorMs} ms`,
      r.ratio,
      "lower",
      `target ≤ ${r.target}; failed ${r.counts.failed}`,
    );
  }
} catch {}
try {
  const s = read("serve");
  add(
    "serve",
    "1000 webhook deliveries @200/s",
    `p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`,
    "—",
    1,
    "—",
    `RSS +${s.rssGrowthMb} MB (ceiling 20)`,
  );
} catch {}

writeFileSync(
  path.join(here, "results.json"),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2)}\n`,
);
console.log("\n| bench | what | figure | floor | ratio | note |\n|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.bench} | ${r.what} | ${r.figure} | ${r.floor} | ${r.ratio} (${r.better} is better) | ${r.note} |`,
  );
