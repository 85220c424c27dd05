#!/usr/bin/env node
// Policy gate throughput: 10,000 deletion candidates with realistic input (tags, source disk,
// siblings, plan) through the built-in policy in wasm, all of a plan in one evaluateAll() (one
// worker-thread round-trip, start-up included), as `snapgate plan` does. Prints decisions/s
// against the floor, the time per round and the wasm memory before and after (it must stay
// flat). Writes bench/out/policy.json.
//
//   npx tsc -p tsconfig.build.json && node bench/policy.mjs
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPolicy } from "@open-policy-agent/opa-wasm";
import { loadPolicyBundle } from "../dist/gate/policy/index.js";
import { row, writeRows } from "./lib.mjs";

/** snapgate's decisions per second over opa-wasm's on a trivial policy, same inputs */
const TARGET = 0.25;

/**
 * The baseline: `package trivial; allow := true` compiled by the pinned opa to wasm and
 * evaluated by opa-wasm on the same inputs, one evaluate() each — the cost of getting an
 * input into wasm and a result out, which every policy pays.
 */
async function trivialPolicy() {
  const dir = mkdtempSync(join(tmpdir(), "snapgate-bench-opa-"));
  writeFileSync(join(dir, "trivial.rego"), "package trivial\n\nallow := true\n");
  // the pinned opa: on PATH (CI puts .tools/bin there) or in this checkout's .tools/bin
  const here = dirname(fileURLToPath(import.meta.url));
  const opa = [join(here, "..", ".tools", "bin"), ...(process.env.PATH ?? "").split(":")]
    .map((d) => join(d, "opa"))
    .find((f) => existsSync(f));
  if (!opa) throw new Error("bench/policy.mjs needs opa (scripts/install-opa.sh) for its baseline");
  execFileSync(opa, [
    "build",
    "-t",
    "wasm",
    "-e",
    "trivial/allow",
    "-o",
    join(dir, "b.tar.gz"),
    join(dir, "trivial.rego"),
  ]);
  execFileSync("tar", ["-xzf", join(dir, "b.tar.gz"), "-C", dir, "/policy.wasm"], {
    stdio: "ignore",
  });
  const policy = await loadPolicy(readFileSync(join(dir, "policy.wasm")));
  return (input) => policy.evaluate(input);
}

const CANDIDATES = 10_000;
const FLOOR_DECISIONS_PER_SEC = 20_000;
const ROUNDS = 5;

/** Deterministic PRNG (mulberry32) so every run evaluates the same inputs. */
function prng(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-south-1"];
const now = Date.parse("2026-11-01T00:00:00.000Z");

function makeInputs(count) {
  const rand = prng(42);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const disks = Array.from({ length: Math.ceil(count / 8) }, (_, i) => ({
    region: pick(REGIONS),
    name: `disk-${i}`,
    exists: rand() > 0.1,
    snapshots: [],
  }));
  const inputs = [];
  for (let i = 0; i < count; i++) {
    const disk = disks[i % disks.length];
    const ageDays = Math.round(rand() * 900) / 10;
    const tags = { env: pick(["prod", "staging", "dev"]), team: pick(["web", "db", "ml", "ops"]) };
    tags["snapgate.dev/managed"] = "true";
    if (rand() < 0.05) tags["legal-hold"] = `case-${i}`;
    if (rand() < 0.1) tags.backup = pick(["keep", "daily"]);
    const name = `${disk.name}-${1_700_000_000 + i * 3600}`;
    const snapshot = {
      name,
      arn: `arn:aws:lightsail:${disk.region}:123456789012:DiskSnapshot/${i.toString(16).padStart(8, "0")}-aaaa-4bbb-8ccc-000000000000`,
      region: disk.region,
      supportCode: `123456789012/snap-${i.toString(16)}`,
      createdAt: new Date(now - ageDays * 86_400_000).toISOString(),
      sizeInGb: pick([8, 16, 32, 64, 128, 256, 512, 1024]),
      state: rand() < 0.97 ? "completed" : pick(["pending", "error"]),
      progress: "100%",
      fromDiskName: disk.name,
      fromDiskArn: `arn:aws:lightsail:${disk.region}:123456789012:Disk/${disk.name}`,
      isFromAutoSnapshot: rand() < 0.2,
      tags,
      ageDays,
      reason: pick(["not-declared", "outside-retention"]),
      keepReasons: [],
    };
    disk.snapshots.push(snapshot);
    inputs.push({ snapshot, disk });
  }
  return inputs.map(({ snapshot, disk }) => {
    const total = disk.snapshots.length;
    return {
      snapshot,
      disk: disk.exists
        ? {
            name: disk.name,
            arn: snapshot.fromDiskArn,
            sizeInGb: 64,
            state: "in-use",
            tags: { env: snapshot.tags.env },
          }
        : null,
      siblings: {
        total,
        remainingAfterPlan: Math.floor(rand() * Math.min(total, 4)),
        newest: disk.snapshots[total - 1].name,
      },
      source: { kind: "disk", name: disk.name },
      plan: {
        deletions: count,
        inScope: count * 2,
        commit: "4f1c2e9a0b7d4c3e8f6a5b2c1d0e9f8a7b6c5d4e",
      },
      // what src/gate/policy-input.ts hands the policy (without it, every input is an input error)
      guards: { maxDeletions: 50_000, maxDeletionPercent: 100, minSnapshotsPerDisk: 1 },
      now: new Date(now).toISOString(),
    };
  });
}

const inputs = makeInputs(CANDIDATES);
// maxDeletions raised so most candidates go through every rule rather than all being denied alike
const engine = await loadPolicyBundle({ kind: "builtin" }, { maxDeletions: 50_000 });
const memoryBefore = engine.memoryBytes();

await engine.evaluateAll(inputs.slice(0, 2_000)); // warm-up (the module's compilation)

const trivial = await trivialPolicy();
for (let i = 0; i < 2_000; i++) trivial(inputs[i]);
const trivialRates = [];
const roundRates = [];
const roundMs = [];
let verdicts = [];
// a trivial policy in-process, timed over the same inputs
const rate = (evaluate) => {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CANDIDATES; i++) evaluate(inputs[i]);
  return CANDIDATES / (Number(process.hrtime.bigint() - start) / 1e9);
};
// rounds alternate between snapgate's policy (one worker round-trip for all candidates, as a
// plan runs it) and the trivial one, so a load spike hits both
for (let round = 0; round < ROUNDS; round++) {
  const start = process.hrtime.bigint();
  verdicts = await engine.evaluateAll(inputs);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  roundMs.push(ms);
  roundRates.push(CANDIDATES / (ms / 1000));
  trivialRates.push(rate(trivial));
}
const denied = verdicts.filter((v) => v.deny.length > 0).length;
const warned = verdicts.filter((v) => v.warn.length > 0).length;
const errors = verdicts.filter((v) => v.error).length;
const memoryAfter = engine.memoryBytes();

const sortedRates = [...roundRates].sort((a, b) => a - b);
const decisionsPerSec = sortedRates[Math.floor(ROUNDS / 2)];
const sortedMs = [...roundMs].sort((a, b) => a - b);
const medianRoundMs = sortedMs[Math.floor(ROUNDS / 2)];
const ratio = decisionsPerSec / FLOOR_DECISIONS_PER_SEC;
const trivialPerSec = [...trivialRates].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];

const result = {
  benchmark: "policy",
  candidates: CANDIDATES,
  rounds: ROUNDS,
  figure: Math.round(decisionsPerSec),
  unit: "decisions/s",
  floor: FLOOR_DECISIONS_PER_SEC,
  ratio: Number(ratio.toFixed(2)),
  // memory and correctness: a low rate shows in the ratio, not as a failed run
  pass: memoryAfter === memoryBefore && errors === 0,
  medianRoundMs: Number(medianRoundMs.toFixed(1)),
  wasmMemoryBytes: { before: memoryBefore, after: memoryAfter, flat: memoryAfter === memoryBefore },
  verdicts: { denied, warned, errors },
  node: process.version,
};

console.log(
  `policy: ${result.figure} decisions/s (median of ${ROUNDS} rounds of ${CANDIDATES}), floor ${FLOOR_DECISIONS_PER_SEC}, ratio ${result.ratio}`,
);
console.log(
  `  per round of ${CANDIDATES} (one worker round-trip): median ${result.medianRoundMs} ms`,
);
console.log(
  `  wasm memory: ${memoryBefore} → ${memoryAfter} bytes (${result.wasmMemoryBytes.flat ? "flat" : "GREW"})`,
);
console.log(`  verdicts: ${denied} denied, ${warned} warned, ${errors} policy errors`);

console.log(
  `  opa-wasm on a trivial policy, same inputs: ${Math.round(trivialPerSec)} decisions/s; ratio ${(decisionsPerSec / trivialPerSec).toFixed(2)} (target ≥ ${TARGET})`,
);
writeRows(
  "policy",
  [
    row({
      id: "policy.decisions",
      what: "policy decisions, 10k candidates (built-in policy) vs opa-wasm evaluating a trivial policy on the same inputs",
      figure: `${result.figure} /s`,
      baseline: `${Math.round(trivialPerSec)} /s`,
      ratio: decisionsPerSec / trivialPerSec,
      target: TARGET,
      better: "higher",
      floor: { rate: FLOOR_DECISIONS_PER_SEC, ratio, what: `${FLOOR_DECISIONS_PER_SEC} /s` },
      note: `median round of ${CANDIDATES}: ${result.medianRoundMs} ms; wasm memory flat: ${result.wasmMemoryBytes.flat}`,
    }),
  ],
  { detail: result },
);
if (!result.pass) process.exitCode = 1;
