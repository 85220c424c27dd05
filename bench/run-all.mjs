// `npm run bench`: runs every benchmark several times (each run a separate process, one at
// a time so they do not disturb each other), then writes bench/results.json and prints one
// table. Every row's ratio is to a baseline measured in the same run on the same machine
// (see bench/README.md); the table shows the median ratio of the runs and their spread.
//
//   node bench/run-all.mjs [name …]      BENCH_REPEAT=3 (default), BENCH_REPEAT_<NAME>=k per bench
//
// Needs `npm run build` (npm run bench builds first).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, round } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const ALL = [
  "startup",
  "seed",
  "policy",
  "plan",
  "emulator",
  "alternative",
  "apply",
  "state-s3",
  "serve",
];
const BENCHES = ALL.filter((b) => only.length === 0 || only.includes(b));
const repeatOf = (name) =>
  Number(process.env[`BENCH_REPEAT_${name.toUpperCase()}`] ?? process.env.BENCH_REPEAT ?? 3);

/** Rows of a bench's last run: its own rows, or (apply, serve) rows made from its output. */
function rowsOf(name) {
  const out = JSON.parse(readFileSync(path.join(here, "out", `${name}.json`), "utf8"));
  if (out.rows) return { rows: out.rows, load: out.load };
  if (name === "apply") {
    return {
      rows: out.results.map((r) => ({
        id: `apply.${r.scenario === "clean" ? "clean" : "errors"}`,
        what: `apply ${r.deletions} deletions, ${r.scenario}, 20 ms latency, 100 requests/s (latency/rate floor only)`,
        figure: `${r.wallMs} ms`,
        baseline: `${r.floorMs} ms (floor)`,
        ratio: r.ratio,
        target: r.target,
        better: "lower",
        note: `failed ${r.counts.failed}`,
      })),
    };
  }
  if (name === "state-s3") {
    const { apply: a, takeover: t } = out;
    return {
      rows: [
        {
          id: "state-s3.apply",
          what: `apply ${a.deletions} deletions with state on S3 (versitygw, Object Lock) vs the same apply with local state`,
          figure: `${a.s3Ms} ms`,
          baseline: `${a.localMs} ms (local state, same run)`,
          ratio: a.ratio,
          target: a.target,
          better: "lower",
          note: `failed ${a.s3Counts.failed}`,
        },
        {
          id: "state-s3.takeover",
          what: `lock takeover after the holder dies (lease ${t.leaseMs / 1000} s): worst of ${t.runsMs.length}`,
          figure: `${t.worstMs} ms`,
          baseline: `${t.targetMs} ms (lease + 1 s, ceiling)`,
          ratio: t.worstMs / t.targetMs,
          target: 1,
          better: "lower",
          note: `runs ${t.runsMs.join(", ")} ms`,
        },
      ],
      load: out.load,
    };
  }
  if (name === "serve") {
    return {
      rows: [
        {
          id: "serve.webhooks",
          what: "serve, 1000 webhook deliveries at 200/s: p99 response time (ceiling, no baseline)",
          figure: `p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms`,
          baseline: "50 ms (ceiling)",
          ratio: out.p99Ms / 50,
          target: 1,
          better: "lower",
          note: `RSS +${out.rssGrowthMb} MB (ceiling 20)`,
        },
      ],
    };
  }
  throw new Error(`bench/out/${name}.json has no rows`);
}

const runs = new Map(); // id → { row (last run), ratios[], floorRatios[] }
const loads = [];
for (const name of BENCHES) {
  const repeat = repeatOf(name);
  for (let i = 1; i <= repeat; i++) {
    console.log(`\n== bench/${name}.mjs (run ${i} of ${repeat}; load ${round(os.loadavg()[0])})`);
    const r = spawnSync(process.execPath, ["--expose-gc", path.join(here, `${name}.mjs`)], {
      stdio: "inherit",
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    if (r.status !== 0) {
      console.error(`bench/${name}.mjs failed (exit ${r.status})`);
      process.exitCode = 1;
      continue;
    }
    const { rows, load } = rowsOf(name);
    if (load) loads.push(load.loadAvg1m);
    for (const row of rows) {
      const seen = runs.get(row.id) ?? { bench: name, ratios: [], floorRatios: [] };
      seen.row = row;
      seen.ratios.push(row.ratio);
      if (row.floor) seen.floorRatios.push(row.floor.ratio);
      runs.set(row.id, seen);
    }
  }
}

const within = (ratio, r) =>
  r.target == null ? null : r.better === "higher" ? ratio >= r.target : ratio <= r.target;
const rows = [...runs.entries()].map(([id, s]) => {
  const ratio = round(median(s.ratios));
  return {
    id,
    bench: s.bench,
    what: s.row.what,
    figure: s.row.figure,
    baseline: s.row.baseline,
    ratio,
    target: s.row.target,
    better: s.row.better,
    withinTarget: within(ratio, s.row),
    runs: s.ratios.length,
    spread: [round(Math.min(...s.ratios)), round(Math.max(...s.ratios))],
    ...(s.floorRatios.length > 0
      ? {
          floor: {
            what: s.row.floor.what,
            ratio: round(median(s.floorRatios)),
            spread: [round(Math.min(...s.floorRatios)), round(Math.max(...s.floorRatios))],
          },
        }
      : {}),
    ...(s.row.note ? { note: s.row.note } : {}),
  };
});

// A subset run (`node bench/run-all.mjs plan serve`) replaces only its own benches' rows.
const resultsFile = path.join(here, "results.json");
const measured = {
  at: new Date().toISOString(),
  node: process.version,
  loadAvg1mDuringRuns: loads.length ? [Math.min(...loads), Math.max(...loads)] : null,
};
const earlier =
  only.length > 0 && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, "utf8")) : null;
const kept = (earlier?.rows ?? []).filter((r) => !BENCHES.includes(r.bench));
writeFileSync(
  resultsFile,
  `${JSON.stringify(
    {
      at: measured.at,
      node: process.version,
      machine: { cores: os.cpus().length, loadAvg1mDuringRuns: measured.loadAvg1mDuringRuns },
      rows: [...kept, ...rows.map((r) => ({ ...r, measured }))].sort(
        (a, b) => ALL.indexOf(a.bench) - ALL.indexOf(b.bench),
      ),
    },
    null,
    2,
  )}\n`,
);
const cmp = (r) => (r.better === "higher" ? "≥" : "≤");
console.log(
  "\n| row | figure (last run) | same-run baseline | ratio: median (spread, runs) | target | latency floor ratio |\n|---|---|---|---|---|---|",
);
for (const r of rows) {
  const ok = r.withinTarget === null ? "" : r.withinTarget ? " ✓" : " ✗";
  console.log(
    `| ${r.what} | ${r.figure} | ${r.baseline} | ${r.ratio} (${r.spread[0]}–${r.spread[1]}, ${r.runs}) | ${r.target == null ? "—" : `${cmp(r)} ${r.target}${ok}`} | ${r.floor ? `${r.floor.ratio} (${r.floor.spread[0]}–${r.floor.spread[1]}) to ${r.floor.what}` : "—"} |`,
  );
}
