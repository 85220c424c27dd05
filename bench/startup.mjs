// Benchmark: start-up of the installed CLI against bare Node on the same machine in the
// same run. `snapgate --version` (dist/cli/bin.js, the file npm links as the bin) against
// `node -e 0`, target ≤ 2×; `snapgate plan --help` (loads the CLI and the plan command,
// not its dependencies) reported beside it. Runs are interleaved. The cold-plan row (a
// fresh `snapgate plan` against the same plan in-process) is measured in bench/plan.mjs.
// Writes bench/out/startup.json. Needs `npm run build`.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { interleaved, median, round, row, writeRows } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, "..", "dist", "cli", "bin.js");
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const env = { ...process.env, NODE_NO_WARNINGS: "1" };
const run = (args) => () => execFileSync(process.execPath, args, { env, stdio: "ignore" });

// once each first: the compile cache and the page cache are warm, as on a user's machine
for (const args of [
  ["-e", "0"],
  [BIN, "--version"],
  [BIN, "plan", "--help"],
])
  run(args)();
const [bare, version, help] = await interleaved(
  [run(["-e", "0"]), run([BIN, "--version"]), run([BIN, "plan", "--help"])],
  RUNS,
);
const bareMs = median(bare);
const rows = [
  row({
    id: "startup.version",
    what: "`snapgate --version` vs `node -e 0`",
    figure: `${round(median(version), 0)} ms`,
    baseline: `${round(bareMs, 0)} ms`,
    ratio: median(version) / bareMs,
    target: 2,
    better: "lower",
  }),
  row({
    id: "startup.plan-help",
    what: "`snapgate plan --help` vs `node -e 0`",
    figure: `${round(median(help), 0)} ms`,
    baseline: `${round(bareMs, 0)} ms`,
    ratio: median(help) / bareMs,
    target: null,
    better: "lower",
    note: "loads the CLI entry, commander and the plan command's module (not its dependencies)",
  }),
];
writeRows("startup", rows, { runs: RUNS });
for (const r of rows)
  console.log(
    `${r.what}: ${r.figure} vs ${r.baseline}, ratio ${r.ratio} (target ${r.target ?? "—"})`,
  );
