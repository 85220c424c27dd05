import { describe, expect, it } from "vitest";
import { MAX_CONFIG_FILE_BYTES, MAX_NESTING } from "../../src/desired/index.js";
import { load, loadProblems, MINIMAL_RECONCILER } from "./helpers.js";

const SET_HEADER = "apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: web }\n";

function problemsOfSet(text: string): string[] {
  return loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": text });
}

describe("YAML syntax", () => {
  it("reports a syntax error with its line and column", () => {
    const text = `${SET_HEADER}spec:\n  region: us-east-1\n  keep: [a-1, a-2\n  retain: []\n`;
    expect(problemsOfSet(text)).toStrictEqual([
      "snapshots/web.yaml:7:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  it("reports a duplicate key at the second occurrence", () => {
    const text = `${SET_HEADER}spec:\n  region: us-east-1\n  region: eu-west-2\n`;
    expect(problemsOfSet(text)).toStrictEqual([
      "snapshots/web.yaml:6:3: invalid YAML: Map keys must be unique",
    ]);
  });

  it("reports an unquoted * (an alias without a name) as a located YAML error", () => {
    const text = MINIMAL_RECONCILER.replace("{ managed-by: snapgate }", "{ managed-by: * }");
    const problems = loadProblems(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^snapgate\.yaml:8:\d+: invalid YAML: /);
  });

  it("still reports other files' problems when one file is not YAML", () => {
    const broken = `${SET_HEADER}spec: [\n`;
    const bad =
      "apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: db }\nspec: { region: nowhere-1 }\n";
    const problems = loadProblems(MINIMAL_RECONCILER, {
      "snapshots/a.yaml": broken,
      "snapshots/b.yaml": bad,
    });
    expect(problems.some((p) => p.startsWith("snapshots/a.yaml:"))).toBe(true);
    expect(problems.filter((p) => p.startsWith("snapshots/b.yaml:"))).toHaveLength(1);
    expect(problems.at(-1)).toMatch(
      /^snapshots\/b\.yaml:4:17: spec\.region: "nowhere-1" is not a Lightsail region/,
    );
  });
});

describe("hostile documents", () => {
  it("refuses an alias bomb (billion laughs) quickly with a located error", () => {
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) {
      const ref = `*a${i - 1}`;
      lines.push(`a${i}: &a${i} [${Array(9).fill(ref).join(",")}]`);
    }
    const text = `${SET_HEADER}spec:\n  region: us-east-1\n  keep: *a9\n${lines.join("\n")}\n`;
    const problems = problemsOfSet(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^snapshots\/web\.yaml:1:1: invalid YAML: .*alias/i);
  });

  it.each([
    ["flow sequences", (n: number) => `spec: ${"[".repeat(n)}${"]".repeat(n)}\n`],
    ["flow mappings", (n: number) => `spec: ${"{a: ".repeat(n)}1${"}".repeat(n)}\n`],
    ["compact block sequences", (n: number) => `spec:\n  keep:\n    ${"- ".repeat(n)}x\n`],
  ])("refuses %s nested 200,000 deep without exhausting memory", (_kind, build) => {
    const text = SET_HEADER + build(200_000);
    const problems = problemsOfSet(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      new RegExp(`^snapshots/web\\.yaml:\\d+:\\d+: nested more than ${MAX_NESTING} levels deep$`),
    );
  });

  it("refuses deep nesting by indentation", () => {
    let text = `${SET_HEADER}spec:\n`;
    for (let depth = 1; depth <= 200; depth++) text += `${" ".repeat(depth)}k${depth}:\n`;
    const problems = problemsOfSet(text);
    expect(problems).toStrictEqual([
      `snapshots/web.yaml:${4 + MAX_NESTING}:${MAX_NESTING + 1}: nested more than ${MAX_NESTING} levels deep`,
    ]);
  });

  it("accepts nesting a real config needs in policy.data", () => {
    let data = "1";
    for (let i = 0; i < 20; i++) data = `{ k: ${data} }`;
    const state = load(`${MINIMAL_RECONCILER}  policy: { data: { deep: ${data} } }\n`);
    expect(JSON.stringify(state.spec.policy.data)).toContain('{"k":{"k":1}}');
  });

  it("refuses a text larger than the size limit without parsing it", () => {
    const text = `${SET_HEADER}spec:\n  region: us-east-1\n# ${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n`;
    expect(problemsOfSet(text)).toStrictEqual([
      `snapshots/web.yaml: file is larger than ${MAX_CONFIG_FILE_BYTES} bytes`,
    ]);
  });

  it("loads a large valid set (20,000 keep names) and reports a bad one among them", () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `    - web-data-${i}`);
    const text = `${SET_HEADER}spec:\n  region: us-east-1\n  keep:\n${names.join("\n")}\n`;
    const state = load(MINIMAL_RECONCILER, { "snapshots/web.yaml": text });
    expect(state.sets[0]?.keep).toHaveLength(20_000);
    expect(state.sets[0]?.keep[19_999]).toBe("web-data-19999");

    names[12_345] = "    - web data";
    const bad = `${SET_HEADER}spec:\n  region: us-east-1\n  keep:\n${names.join("\n")}\n`;
    expect(problemsOfSet(bad)).toStrictEqual([
      `snapshots/web.yaml:${7 + 12_345}:7: spec.keep[12345]: "web data" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)`,
    ]);
  });

  it("refuses a file with more than 1000 documents", () => {
    const text = "---\na: 1\n".repeat(1001);
    expect(problemsOfSet(text)).toStrictEqual([
      "snapshots/web.yaml:1:1: more than 1000 YAML documents",
    ]);
  });

  it("shortens a huge bad value in messages", () => {
    const long = "x ".repeat(5000);
    const problems = problemsOfSet(
      `${SET_HEADER}spec:\n  region: us-east-1\n  keep: ["${long}"]\n`,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.length).toBeLessThan(200);
  });
});
