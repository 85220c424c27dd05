/**
 * The seed loader's cost, counted rather than timed: a plain fleet of any size
 * is read by the fast reader alone (the located `yaml` parse, ~10× the cost per
 * snapshot, never runs), with work linear in the snapshots; a bad or unusual
 * fleet still gets the located parse and its located issues.
 */
import { describe, expect, it, vi } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import * as located from "../../src/core/yaml-located.js";
import * as plain from "../../src/core/yaml-plain.js";
import { buildStore, parseSeedText } from "../../src/emulator/seed.js";

vi.mock("../../src/core/yaml-located.js", async (original) => {
  const m = await original<typeof import("../../src/core/yaml-located.js")>();
  return { ...m, parseYamlFile: vi.fn(m.parseYamlFile) };
});
vi.mock("../../src/core/yaml-plain.js", async (original) => {
  const m = await original<typeof import("../../src/core/yaml-plain.js")>();
  return { ...m, parsePlainYaml: vi.fn(m.parsePlainYaml) };
});

const fullParses = vi.mocked(located.parseYamlFile);
const plainReads = vi.mocked(plain.parsePlainYaml);

function fleet(n: number, style: "block" | "flow" | "json"): string {
  const snapshot = (i: number) => ({
    name: `web-data-${i}`,
    fromDisk: "web-data",
    createdAt: "2026-11-01T03:00:00Z",
    sizeInGb: 64,
    tags: { "managed-by": "snapgate", team: "storage" },
  });
  if (style === "json") {
    return JSON.stringify({
      account: "111122223333",
      regions: {
        "us-east-1": {
          disks: [{ name: "web-data" }],
          snapshots: Array.from({ length: n }, (_, i) => snapshot(i)),
        },
      },
    });
  }
  const lines = ['account: "111122223333"', "regions:", "  us-east-1:", "    disks:"];
  lines.push("      - { name: web-data, sizeInGb: 64 }", "    snapshots:");
  for (let i = 0; i < n; i++) {
    const s = snapshot(i);
    if (style === "flow") {
      lines.push(
        `      - { name: ${s.name}, fromDisk: web-data, createdAt: "${s.createdAt}", sizeInGb: 64,`,
        "          tags: { managed-by: snapgate, team: storage } }",
      );
    } else {
      lines.push(
        `      - name: ${s.name}`,
        "        fromDisk: web-data",
        `        createdAt: "${s.createdAt}"`,
        "        sizeInGb: 64",
        "        tags: { managed-by: snapgate, team: storage }",
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The fast reader's counted work for the last call. */
function lastWork(): number {
  const result = plainReads.mock.results.at(-1)?.value as { work: number } | undefined;
  return result?.work ?? Number.NaN;
}

describe("seed loading cost", () => {
  it.each(["block", "flow", "json"] as const)(
    "a plain %s fleet never reaches the located parser, and its work is linear",
    (style) => {
      fullParses.mockClear();
      const works: number[] = [];
      for (const n of [10, 1_010, 4_010]) {
        const seed = parseSeedText("fleet.yaml", fleet(n, style));
        expect(seed.regions["us-east-1"]?.snapshots).toHaveLength(n);
        works.push(lastWork());
        expect(
          buildStore(seed, 0).region("us-east-1").snapshotPage(undefined, 10).items,
        ).toHaveLength(10);
      }
      expect(fullParses).not.toHaveBeenCalled();
      // 1,000 and 4,000 snapshots more than the smallest: exactly four times the work
      const [w0, w1, w4] = works as [number, number, number];
      expect(w4 - w0).toBe(4 * (w1 - w0));
    },
  );

  it("a bad fleet goes through the located parser once and is refused with positions", () => {
    fullParses.mockClear();
    const text = fleet(1_000, "block").replace("name: web-data-500\n", "name: -bad-\n");
    let err: unknown;
    try {
      parseSeedText("fleet.yaml", text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).describe()).toMatch(
      /fleet\.yaml:\d+:\d+: .*snapshots\[500\]\.name/,
    );
    expect(fullParses).toHaveBeenCalledTimes(1);
  });

  it("a fleet outside the plain subset (BOM, %YAML directive) still loads, via the located parser", () => {
    fullParses.mockClear();
    const text = `\uFEFF%YAML 1.1\n---\n${fleet(10, "flow")}`;
    expect(parseSeedText("fleet.yaml", text).regions["us-east-1"]?.snapshots).toHaveLength(10);
    expect(fullParses).toHaveBeenCalledTimes(1);
  });
});
