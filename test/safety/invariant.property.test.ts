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
import { afterAll, describe, expect, it } from "vitest";
import { worldArbitrary } from "./generators.js";
import { checkInvariant } from "./invariants.js";
import { SafetyStats } from "./stats.js";
import { runWorld } from "./world.js";

const RUNS = Number(process.env.SNAPGATE_PROPERTY_RUNS ?? 70);
const SEED = Number(process.env.SNAPGATE_PROPERTY_SEED ?? 20261127);
/** mid-apply mutations (retag, re-create, vanish while apply runs): on unless turned off */
const MID_APPLY = process.env.SNAPGATE_PROPERTY_MID_APPLY !== "0";
const stats = new SafetyStats();

afterAll(() => {
  console.log(`${stats.summary()}\n  (seed ${SEED}, numRuns ${RUNS})`);
});

describe("the safety invariant", () => {
  it(
    "holds for random worlds, desired states and fault schedules",
    async () => {
      await fc.assert(
        fc.asyncProperty(worldArbitrary({ midApply: MID_APPLY }), async (model) => {
          const obs = await runWorld(model);
          stats.add(obs);
          const violations = checkInvariant(model, obs);
          if (violations.length > 0) {
            throw new Error(
              `${violations.length} violation(s):\n${violations.join("\n")}\narmed: ${JSON.stringify(obs.armed)}`,
            );
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: process.env.SNAPGATE_PROPERTY_SHRINK === "0" },
      );
      expect(stats.cases).toBeGreaterThanOrEqual(RUNS);
    },
    Math.max(120_000, RUNS * 3_000),
  );
});
