/**
 * The layering stays true: no import cycle between src/ folders, and no
 * import from a lower layer to a higher one (e.g. apply → reconcile).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { folderCycles, importsOf, layeringProblems } from "./layers.js";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

describe("architecture", () => {
  const imports = importsOf(SRC);

  it("reads the imports of src/", () => {
    expect(imports.length).toBeGreaterThan(200);
    expect(imports).toContainEqual({ from: "cli/main.ts", to: expect.stringMatching(/^cli\//) });
  });

  it("has no import cycle between folders", () => {
    expect(folderCycles(imports)).toEqual([]);
  });

  it("imports only point down", () => {
    expect(layeringProblems(imports)).toEqual([]);
  });

  it("would fail on a back-import (apply → reconcile) and on the cycle it makes", () => {
    const backImport = { from: "apply/run-apply.ts", to: "reconcile/derive.ts" };
    const withBackImport = [...imports, backImport];
    expect(layeringProblems(withBackImport)).toEqual([
      ...layeringProblems(imports),
      "apply/run-apply.ts imports reconcile/derive.ts: apply/ (rank 3) may import only lower ranks, reconcile/ is 4",
    ]);
    expect(
      folderCycles(withBackImport).some((c) =>
        /apply → reconcile → apply|reconcile → apply → reconcile/.test(c),
      ),
    ).toBe(true);
  });

  it("would fail on peers importing each other (diff ↔ gate)", () => {
    const peers = [
      { from: "diff/diff.ts", to: "gate/match-tags.ts" },
      { from: "gate/gate.ts", to: "diff/diff.ts" },
    ];
    expect(layeringProblems(peers)).toHaveLength(2);
    expect(folderCycles(peers)).toEqual(["diff → gate → diff"]);
  });
});
