/**
 * Fuzzes the emulator's fleet seed loader: parseSeedText (+ buildStore, which
 * startEmulator runs next) over mutated fleets, and loadSeedFile over real
 * files with invalid UTF-8.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { buildStore, loadSeedFile, parseSeedText } from "../../src/emulator/seed.js";
import { FLEET_WITH_PRINCIPALS, FLEET_YAML, seedProblem, yamlValues } from "./bases.js";
import { attempt, attemptSync, checkOutcome, fuzzParams, Tally } from "./harness.js";
import {
  applyTextOps,
  applyValueOps,
  rawYaml,
  renderYaml,
  textOps,
  valueOps,
  type YamlStyle,
} from "./mutate.js";

const tally = new Tally();
afterAll(() => tally.print());

const BASES = [FLEET_YAML, FLEET_WITH_PRINCIPALS];
const FILE = "fleet.yaml";
const NOW = Date.parse("2026-11-27T08:00:00Z");

const seedCase = fc.record({
  base: fc.nat({ max: BASES.length - 1 }),
  structural: fc.boolean(),
  ops: valueOps(rawYaml),
  style: fc.constantFrom<YamlStyle>("block", "flow", "json"),
  text: textOps(true),
});

function seedText(c: typeof seedCase extends fc.Arbitrary<infer T> ? T : never): string {
  const original = BASES[c.base] as string;
  if (!c.structural) return applyTextOps(original, c.text);
  const value = yamlValues(original)[0];
  return applyTextOps(renderYaml(applyValueOps(value, c.ops), c.style), c.text);
}

describe("fuzz: fleet seeds", () => {
  it("parseSeedText + buildStore: a usable store or a located BadInput", () => {
    fc.assert(
      fc.property(seedCase, (c) => {
        const text = seedText(c);
        const outcome = attemptSync(() => {
          const seed = parseSeedText(FILE, text);
          buildStore(seed, NOW);
          return seed;
        });
        checkOutcome(
          tally,
          "fleet seed (parseSeedText)",
          outcome,
          { files: [FILE], texts: { [FILE]: text }, codes: ["BadInput"], wholeFile: /larger than/ },
          seedProblem,
        );
      }),
      fuzzParams(1),
    );
  });

  it("loadSeedFile refuses invalid UTF-8 with its position instead of replacing it", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-fuzz-seed-"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf0, 0x9f, 0x98]),
          async (at, bytes) => {
            const chars = [...FLEET_YAML];
            const cut = at % (chars.length + 1);
            const file = path.join(dir, "fleet.yaml");
            writeFileSync(
              file,
              Buffer.concat([
                Buffer.from(chars.slice(0, cut).join("")),
                Buffer.from(bytes),
                Buffer.from(chars.slice(cut).join("")),
              ]),
            );
            const outcome = await attempt(() => loadSeedFile(file));
            checkOutcome(
              tally,
              "fleet seed files (loadSeedFile)",
              outcome,
              {
                files: [file],
                texts: { [file]: FLEET_YAML },
                codes: ["BadInput"],
              },
              () => "invalid UTF-8 was accepted (decoded with U+FFFD replacement characters)",
            );
          },
        ),
        fuzzParams(0.2),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
