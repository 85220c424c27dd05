/**
 * The plain-YAML fast reader against the `yaml` library it stands in for: on any
 * text it either declines or gives exactly the value `yaml` gives, and it never
 * accepts a text the located parser refuses (or reads as other than one document).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseYamlFile } from "../../src/core/yaml-located.js";
import { parsePlainYaml } from "../../src/core/yaml-plain.js";
import { FLEET_WITH_PRINCIPALS, FLEET_YAML, yamlValues } from "../fuzz/bases.js";
import { fuzzParams } from "../fuzz/harness.js";
import {
  applyTextOps,
  applyValueOps,
  rawYaml,
  renderYaml,
  textOps,
  valueOps,
  type YamlStyle,
} from "../fuzz/mutate.js";

/** What the full parser makes of `text`: the one document's value, or a refusal. */
function fullParse(text: string): { ok: true; value: unknown } | { ok: false } {
  const parsed = parseYamlFile("t.yaml", text, { maxBytes: 1 << 28 });
  if (parsed.issues.length > 0 || parsed.documents.length !== 1) return { ok: false };
  return { ok: true, value: parsed.documents[0]?.value };
}

/** How many texts the fast reader accepted: a fuzz run that only ever declined proves nothing. */
let accepted = 0;

/** Null when the fast reader agrees with the full parser on `text` (or declines). */
function disagreement(text: string): string | null {
  const fast = parsePlainYaml(text);
  if (fast === undefined) return null;
  accepted++;
  const full = fullParse(text);
  if (!full.ok) return `accepted a text the full parser refuses:\n${text}`;
  try {
    expect(fast.value).toStrictEqual(full.value);
  } catch (err) {
    return `a different value for:\n${text}\n${(err as Error).message}`;
  }
  return null;
}

const BLOCK_FLEET = `# a fleet as people write it
account: "111122223333"
regions:
  us-east-1:
    disks:
      - name: web-data
        sizeInGb: 64   # GiB
        tags: { team: web, "cost center": 'R&D' }
    snapshots:
    - name: web-data-1
      fromDisk: web-data
      createdAt: -3d
      tags:
        managed-by: snapgate
        aws:cloudformation:stack-name: x
        empty:
      isFromAutoSnapshot: false
    -   name: web-data-2
        createdAt: 2026-11-01T03:00:00Z
        progress: 'it''s 100%'
        list: [a, "b", 3, true, null, ~, -1, { k: v }]
        note: a, b]c #not a comment
`;

describe("parsePlainYaml", () => {
  it("reads block and flow YAML as the yaml library does", () => {
    const fast = parsePlainYaml(BLOCK_FLEET);
    expect(fast).toBeDefined();
    expect(fast?.value).toStrictEqual(fullParse(BLOCK_FLEET).ok && yamlValues(BLOCK_FLEET)[0]);
    expect(parsePlainYaml(FLEET_YAML)?.value).toStrictEqual(yamlValues(FLEET_YAML)[0]);
    const multiLine = "a: {\n  b: 1,\n  # a comment\n  c: [x,\n    y] }\n";
    expect(parsePlainYaml(multiLine)?.value).toStrictEqual(yamlValues(multiLine)[0]);
    const json = JSON.stringify({ a: [1, "x", { b: null, c: true }], d: {} });
    expect(parsePlainYaml(json)?.value).toStrictEqual(JSON.parse(json));
  });

  it.each([
    ["an anchor", "a: &x 1\nb: *x\n"],
    ["a tag", "a: !!str 1\n"],
    ["a directive", "%YAML 1.1\n---\na: yes\n"],
    ["a BOM", "\uFEFFa: 1\n"],
    ["a tab", "a:\t1\n"],
    ["CRLF", "a: 1\r\nb: 2\r\n"],
    ["a block scalar", "a: |\n  x\n"],
    ["a multi-line plain scalar", "a: x\n  y\n"],
    ["a duplicate key", "a: 1\na: 2\n"],
    ["a float", "a: 1.5\n"],
    ["an octal", "a: 0o17\n"],
    ["a leading zero", "a: 007\n"],
    ["an escape", 'a: "\\u0041"\n'],
    ["a merge key", "<<: { a: 1 }\n"],
    ["a __proto__ key", "__proto__: { a: 1 }\n"],
    ["a non-string key", "1: a\n"],
    ["two documents", "a: 1\n---\nb: 2\n"],
    ["a flow mapping closed at its key's indentation", "a: {\n  b: 1\n}\n"],
    ["a flow null value", "a: { b: }\n"],
    ["an empty flow entry", "a: [ , ]\n"],
    ["bad indentation", "a:\n    b: 1\n  c: 2\n"],
  ])("declines %s (the full parser reads it)", (_label, text) => {
    expect(parsePlainYaml(text)).toBeUndefined();
  });

  it("work grows linearly with the number of snapshots (counted, not timed)", () => {
    const fleet = (n: number) =>
      `regions:\n  us-east-1:\n    snapshots:\n${Array.from(
        { length: n },
        (_, i) =>
          `      - name: s-${i}\n        createdAt: "2026-11-01T03:00:00Z"\n        tags: { managed-by: snapgate }\n`,
      ).join("")}`;
    const work = (n: number) => parsePlainYaml(fleet(n))?.work ?? Number.NaN;
    const small = work(1_000);
    expect(work(4_000) - work(0)).toBe(4 * (small - work(0)));
  });

  const seedCase = fc.record({
    base: fc.constantFrom(FLEET_YAML, FLEET_WITH_PRINCIPALS),
    ops: valueOps(rawYaml),
    style: fc.constantFrom<YamlStyle>("block", "flow", "json"),
    text: textOps(true),
  });

  it("fuzz: mutated fleets are declined or read exactly as the full parser reads them", () => {
    accepted = 0;
    fc.assert(
      fc.property(seedCase, (c) => {
        const value = applyValueOps(yamlValues(c.base)[0], c.ops);
        const rendered = renderYaml(value, c.style);
        for (const text of [rendered, applyTextOps(rendered, c.text)]) {
          const problem = disagreement(text);
          if (problem) throw new Error(problem);
        }
      }),
      fuzzParams(1),
    );
    expect(accepted).toBeGreaterThan(fuzzParams(1).numRuns / 4);
  });

  it("fuzz: any JSON value, rendered in any style, is declined or read exactly", () => {
    const key = fc.oneof(fc.string(), fc.constantFrom("a", "b b", "x:y", "-k", "1", "true", "~"));
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom(
        "null",
        "True",
        "-3d",
        "0x1F",
        ".inf",
        "1e3",
        "#x",
        "a #b",
        "a: b",
        "- x",
        "",
      ),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        scalar,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4 }),
      ),
    })).node;
    accepted = 0;
    fc.assert(
      fc.property(value, fc.constantFrom<YamlStyle>("block", "flow", "json"), (v, style) => {
        const problem = disagreement(renderYaml({ root: v }, style));
        if (problem) throw new Error(problem);
      }),
      fuzzParams(4),
    );
    expect(accepted).toBeGreaterThan(fuzzParams(4).numRuns / 4);
  });
});
