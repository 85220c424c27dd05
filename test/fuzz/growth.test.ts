/**
 * The loaders' cost grows linearly with their input, for the input shapes that
 * once blew up or could: long lists (with a BOM and a %YAML directive — the
 * fleet that once took 2 s), thousands of bad entries (each located: no
 * quadratic line counting), long lines. (An IAM policy is capped at 128 KiB
 * before it is parsed, which bounds its cost.) Sizes are compared with each
 * other, never with a clock (see growth.ts).
 */
import { describe, expect, it } from "vitest";
import { parseLocatedJson } from "../../src/core/json-located.js";
import { loadDesiredState } from "../../src/desired/index.js";
import { buildStore, parseSeedText } from "../../src/emulator/seed.js";
import { parsePlan } from "../../src/plan/plan-file.js";
import { filesOf, reconcilerYaml } from "../desired/helpers.js";
import { growthProblem } from "./growth.js";

const NOW = Date.parse("2026-11-27T08:00:00Z");

/** Inputs are built once per size, outside the measurement. */
function memo<T>(build: (n: number) => T): (n: number) => T {
  const cache = new Map<number, T>();
  return (n) => {
    let value = cache.get(n);
    if (value === undefined) {
      value = build(n);
      cache.set(n, value);
    }
    return value;
  };
}

/** Runs `load`, swallowing the refusal a bad input is expected to get. */
function refusedOrLoaded(load: () => unknown): void {
  try {
    load();
  } catch {
    // a located refusal is an outcome like any other here; the fuzz tests check its shape
  }
}

const fleetText = memo((n: number) => {
  const lines = ["\uFEFF%YAML 1.1", "---", 'account: "111122223333"', "regions:", "  us-east-1:"];
  lines.push("    disks:", "      - { name: web-data, sizeInGb: 8 }", "    snapshots:");
  for (let i = 0; i < n; i++) {
    lines.push(
      `      - { name: web-data-${i}, fromDisk: web-data, createdAt: "2026-11-01T03:00:00Z",` +
        " sizeInGb: 8, state: completed, tags: { managed-by: snapgate } }",
    );
  }
  return `${lines.join("\n")}\n`;
});

const badPlanText = memo((n: number) =>
  JSON.stringify(
    { formatVersion: 1, missing: Array.from({ length: n }, () => ({ region: 1, name: 2 })) },
    null,
    2,
  ),
);

const snapshotSetText = memo((n: number) => {
  const keep = Array.from({ length: n }, (_, i) => `    - web-data-${i}`).join("\n");
  return `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: web }\nspec:\n  region: us-east-1\n  keep:\n${keep}\n`;
});

const badSnapshotSetText = memo((n: number) => {
  const keep = Array.from({ length: n }, (_, i) => `    - "bad name ${i}"`).join("\n");
  return `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: web }\nspec:\n  region: us-east-1\n  keep:\n${keep}\n`;
});

const longLineJson = memo(
  (n: number) => `{"a": "${"x".repeat(n * 100)}", "b": [${"1,".repeat(n)}1]}`,
);

// Each check repeats its measurements to ride out load spikes: under a loaded machine that takes
// long, which is fine, so the harness timeout is generous (nothing here asserts a duration).
const SLOW_ON_A_LOADED_MACHINE = { timeout: 600_000 };

describe("loaders grow linearly with their input", SLOW_ON_A_LOADED_MACHINE, () => {
  it("the fleet seed: a long snapshot list behind a BOM and a %YAML 1.1 directive", () => {
    const problem = growthProblem(
      "parseSeedText + buildStore",
      (n) => buildStore(parseSeedText("fleet.yaml", fleetText(n)), NOW),
      250,
    );
    expect(problem).toBeNull();
  });

  it("the fleet seed in plain YAML (the fast reader's path), block style", () => {
    const plainFleet = memo((n: number) => fleetText(n).replace("\uFEFF%YAML 1.1\n---\n", ""));
    const problem = growthProblem(
      "parseSeedText + buildStore (plain YAML)",
      (n) => buildStore(parseSeedText("fleet.yaml", plainFleet(n)), NOW),
      500,
    );
    expect(problem).toBeNull();
  });

  it("a plan file with thousands of bad entries, each located", () => {
    const problem = growthProblem(
      "parsePlan (refused)",
      (n) => refusedOrLoaded(() => parsePlan("plan.json", badPlanText(n))),
      500,
    );
    expect(problem).toBeNull();
  });

  it("a SnapshotSet with a long keep list, valid and all invalid", () => {
    const reconciler = reconcilerYaml();
    for (const [label, text] of [
      ["valid keep list", snapshotSetText],
      ["invalid keep list", badSnapshotSetText],
    ] as const) {
      const problem = growthProblem(
        `loadDesiredState (${label})`,
        (n) =>
          refusedOrLoaded(() =>
            loadDesiredState(filesOf(reconciler, { "snapshots/web.yaml": text(n) })),
          ),
        250,
      );
      expect(problem).toBeNull();
    }
  });

  it("located JSON with a long line", () => {
    const problem = growthProblem(
      "parseLocatedJson",
      (n) => refusedOrLoaded(() => parseLocatedJson(longLineJson(n))),
      500,
    );
    expect(problem).toBeNull();
  });
});

describe("the growth check itself", SLOW_ON_A_LOADED_MACHINE, () => {
  it("flags quadratic work", () => {
    const quadratic = (n: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) x += i ^ j;
      if (x === -1) throw new Error("unreachable");
    };
    expect(growthProblem("quadratic", quadratic, 200)).toMatch(/quadratic: cost grew/);
  });

  it("passes linear work", () => {
    const linear = (n: number) => {
      let x = 0;
      for (let i = 0; i < n * 1000; i++) x += i;
      if (x === -1) throw new Error("unreachable");
    };
    expect(growthProblem("linear", linear, 200)).toBeNull();
  });
});
