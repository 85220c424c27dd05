// Benchmark: the emulator's seed loader (loadSeedFile + buildStore, what `snapgate
// emulator --seed` runs) on fleets of 1,000 and 8,000 snapshots in block YAML, against a
// plain `yaml` parse of the same file in the same run (target: no slower than that), and
// against the located parse + schema it replaced for plain YAML (target: ≥ 5× faster).
// Runs are interleaved. Writes bench/out/seed.json. Needs `npm run build`.
import { mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { parseYamlFile } from "../dist/core/yaml-located.js";
import { buildStore, loadSeedFile } from "../dist/emulator/seed.js";
import { fleetSchema } from "../dist/emulator/seed-schema.js";
import { interleaved, median, round, row, writeRows } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_SEED_RUNS ?? 5);
const base = Date.parse("2026-01-01T00:00:00Z");

function fleetYaml(n) {
  let s =
    'account: "111122223333"\nregions:\n  us-east-1:\n    disks:\n      - name: web-data\n        sizeInGb: 64\n    snapshots:\n';
  for (let i = 0; i < n; i++) {
    s +=
      `      - name: web-data-${String(i).padStart(5, "0")}\n        fromDisk: web-data\n` +
      `        createdAt: "${new Date(base + i * 60_000).toISOString()}"\n        sizeInGb: 64\n` +
      "        tags: { managed-by: snapgate, team: storage }\n";
  }
  return s;
}

const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-seed-"));
const rows = [];
const detail = [];
for (const n of [1_000, 8_000]) {
  const file = path.join(dir, `fleet-${n}.yaml`);
  writeFileSync(file, fleetYaml(n));
  const load = async () => buildStore(await loadSeedFile(file), Date.now());
  const plainYaml = async () => parse(await readFile(file, "utf8"));
  // the loader before: the located parse and the schema, for every file
  const located = async () => {
    const parsed = parseYamlFile(file, await readFile(file, "utf8"), { maxBytes: 1 << 28 });
    buildStore(fleetSchema.parse(parsed.documents[0].value), Date.now());
  };
  for (let i = 0; i < 2; i++) {
    await load(); // warm-up
    await plainYaml();
    await located();
  }
  const [loadMs, yamlMs, locatedMs] = await interleaved([load, plainYaml, located], RUNS);
  const m = { load: median(loadMs), yaml: median(yamlMs), located: median(locatedMs) };
  detail.push({ snapshots: n, medianMs: m, runs: { loadMs, yamlMs, locatedMs } });
  console.log(
    `seed ${n} snapshots: load ${round(m.load)} ms (${round((m.load / n) * 1000)} µs/snapshot); ` +
      `plain yaml parse ${round(m.yaml)} ms; the located loader ${round(m.located)} ms (${round(m.located / m.load, 1)}× slower)`,
  );
  rows.push(
    row({
      id: `seed.vs-yaml.${n}`,
      what: `seed load (loadSeedFile + buildStore), ${n} snapshots vs a plain \`yaml\` parse of the same file`,
      figure: `${round((m.load / n) * 1000, 1)} µs/snapshot`,
      baseline: `${round((m.yaml / n) * 1000, 1)} µs/snapshot`,
      ratio: m.load / m.yaml,
      target: 1,
      better: "lower",
    }),
    row({
      id: `seed.speedup.${n}`,
      what: `seed load, ${n} snapshots: the located loader it replaced for plain YAML over it`,
      figure: `${round((m.located / n) * 1000, 1)} µs/snapshot`,
      baseline: `${round((m.load / n) * 1000, 1)} µs/snapshot`,
      ratio: m.located / m.load,
      target: 5,
      better: "higher",
    }),
  );
}
writeRows("seed", rows, { detail });
