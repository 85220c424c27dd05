/**
 * The safety invariant as a property: random fleets, desired states, scopes,
 * protect/access rules, guard limits and fault schedules; plan + apply through
 * the real pipeline against the emulator; then every clause of invariants.ts.
 *
 * Bounded for CI with a fixed seed; widen locally with
 *   SNAPGATE_PROPERTY_RUNS=500 SNAPGATE_PROPERTY_SEED=123 npx vitest run test/safety
 * Snapshots are also mutated while apply runs (SNAPGATE_PROPERTY_MID_APPLY=0 turns it off);
 * SNAPGATE_PROPERTY_SHRINK=0 reports the first failure without shrinking.
 * A shrunk counterexample is printed as a literal world: copy it into
 * regressions.test.ts.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import { worldArbitrary } from "./generators.js";
import { checkInvariant } from "./invariants.js";
import { SafetyStats } from "./stats.js";
import { runWorld, type WorldState } from "./world.js";

const RUNS = Number(process.env.SNAPGATE_PROPERTY_RUNS ?? 70);
const SEED = Number(process.env.SNAPGATE_PROPERTY_SEED ?? 20261127);
/** mid-apply mutations (retag, re-create, vanish while apply runs): on unless turned off */
const MID_APPLY = process.env.SNAPGATE_PROPERTY_MID_APPLY !== "0";
/** the same property with state on S3 (a real versitygw): fewer runs, each is slower */
const S3_RUNS = Number(process.env.SNAPGATE_PROPERTY_S3_RUNS ?? 20);
const stats = new SafetyStats();
let gw: S3Gateway | undefined;
let worlds = 0;

beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("safety-state");
}, 60_000);

afterAll(async () => {
  console.log(`${stats.summary()}\n  (seed ${SEED}, numRuns ${RUNS} + ${S3_RUNS} on S3)`);
  await gw?.stop();
});

const dirState = (): WorldState => ({ kind: "dir" });
const s3State = (): WorldState => {
  const g = gw;
  if (!g) throw new Error("the S3 gateway did not start");
  // a fresh prefix per world: its own lock, journals and audit chain
  const prefix = `world-${++worlds}`;
  return { kind: "s3", store: () => g.store("safety-state", prefix) };
};

function property(state: () => WorldState, runs: number) {
  return async () => {
    const before = stats.cases;
    await fc.assert(
      fc.asyncProperty(worldArbitrary({ midApply: MID_APPLY }), async (model) => {
        const obs = await runWorld(model, state());
        stats.add(obs);
        const violations = checkInvariant(model, obs);
        if (violations.length > 0) {
          throw new Error(
            `${violations.length} violation(s):\n${violations.join("\n")}\narmed: ${JSON.stringify(obs.armed)}`,
          );
        }
      }),
      { numRuns: runs, seed: SEED, endOnFailure: process.env.SNAPGATE_PROPERTY_SHRINK === "0" },
    );
    expect(stats.cases - before).toBeGreaterThanOrEqual(runs);
  };
}

describe("the safety invariant", () => {
  it(
    "holds for random worlds, desired states and fault schedules",
    property(dirState, RUNS),
    Math.max(120_000, RUNS * 3_000),
  );
  it(
    "holds with the lock, journal and audit log on S3",
    property(s3State, S3_RUNS),
    Math.max(180_000, S3_RUNS * 6_000),
  );
});
