/**
 * Generators for hostile repository content, each with the property snapgate must keep:
 * nested regular-expression groups (refused with a reason, or matched in linear time, never a
 * hang), bundle tarball paths (loaded, or refused as a bundle format error, never a polluted
 * prototype) and control characters (never reach the terminal raw).
 */
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { compileNamePattern, namePatternProblem } from "../../src/core/name-pattern.js";
import { printable, printableDeep, printableLines } from "../../src/core/printable.js";
import {
  BundleFormatError,
  bundleFilesFrom,
  readTarGz,
} from "../../src/gate/policy/bundle-archive.js";
import { fuzzParams } from "./harness.js";

/** Regular expressions with groups inside groups, alternation and quantifiers at every level. */
const nestedRegex: fc.Arbitrary<string> = fc
  .letrec<{ re: string }>((tie) => ({
    re: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.constantFrom("a", "\\w", "-", "[a-z]", ".", "\\d", "x"),
      fc
        .tuple(tie("re"), fc.constantFrom("+", "*", "?", "{2,}", "{1,3}", ""))
        .map(([r, q]) => `(${r})${q}`),
      fc.tuple(tie("re"), tie("re")).map(([a, b]) => `${a}|${b}`),
      fc.tuple(tie("re"), tie("re")).map(([a, b]) => `${a}${b}`),
      fc.tuple(tie("re"), fc.constantFrom("+", "*")).map(([r, q]) => `(?:${r})${q}`),
    ),
  }))
  .re.map((r) => `^${r}!`);

/** Names that make a backtracking engine explode on such patterns. */
const hostileName = fc
  .tuple(fc.constantFrom("a", "web-", "_", "1"), fc.integer({ min: 10, max: 2000 }))
  .map(([unit, n]) => unit.repeat(n));

describe("fuzz: nested regex groups in scope.namePattern", () => {
  it("each pattern is refused with a reason or matched (RE2, linear time); nothing hangs", () => {
    fc.assert(
      fc.property(nestedRegex, hostileName, (pattern, name) => {
        const problem = namePatternProblem(pattern);
        if (problem !== null) {
          expect(typeof problem).toBe("string");
          return;
        }
        expect(typeof compileNamePattern(pattern).test(name)).toBe("boolean");
      }),
      fuzzParams(2),
    );
  });
});

const SEGMENT = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "prototype", "..", ".", "", "data", "limits", "a b"),
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !s.includes("/")),
);

/** Tarball paths of data.json files at any depth, hostile segments included. */
const bundlePaths = fc.array(
  fc.array(SEGMENT, { maxLength: 4 }).map((segments) => [...segments, "data.json"].join("/")),
  { minLength: 1, maxLength: 4 },
);

const dataJson = fc.oneof(
  fc.constant('{"pwned": true}'),
  fc.constant('{"__proto__": {"pwned": true}}'),
  fc.constant('{"a": {"constructor": {"prototype": {"pwned": true}}}}'),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

async function tarGz(files: [string, string][]): Promise<Buffer> {
  const packer = pack();
  packer.entry({ name: "policy.wasm" }, Buffer.from([0, 0x61, 0x73, 0x6d]));
  for (const [name, body] of files) packer.entry({ name }, Buffer.from(body));
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe("fuzz: bundle tarball paths", () => {
  it("a bundle is read or refused as a bundle format error; no prototype is ever written", async () => {
    await fc.assert(
      fc.asyncProperty(
        bundlePaths,
        fc.array(dataJson, { minLength: 4, maxLength: 4 }),
        async (paths, bodies) => {
          const files = paths.map((p, i): [string, string] => [p, bodies[i % bodies.length]!]);
          try {
            const { data } = bundleFilesFrom(await readTarGz(await tarGz(files)));
            expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
          } catch (err) {
            expect(err).toBeInstanceOf(BundleFormatError);
          }
          expect(Object.prototype).not.toHaveProperty("pwned");
          expect(({} as Record<string, unknown>).pwned).toBeUndefined();
        },
      ),
      fuzzParams(1),
    );
  });
});

const CONTROLS = [
  ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)),
  "\u007f",
  "\u0085",
  "\u009b",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u2066",
];
const hostileText = fc.string({
  unit: fc.oneof(fc.constantFrom(...CONTROLS), fc.constantFrom("a", "é", " ", "-", "✓", "[", "2K")),
  maxLength: 40,
});
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
  return [];
}

describe("fuzz: control characters in text output", () => {
  it("printable leaves none raw; printableLines keeps only the newlines", () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(printable(text)).not.toMatch(RAW_CONTROL);
        const lines = printableLines(text);
        expect(lines.replace(/\n/g, "")).not.toMatch(RAW_CONTROL);
        expect(lines.split("\n")).toHaveLength(text.split("\n").length);
      }),
      fuzzParams(2),
    );
  });

  it("printableDeep leaves none raw anywhere in a plan-like value, keys included", () => {
    const value = fc.dictionary(hostileText, fc.oneof(hostileText, fc.array(hostileText)));
    fc.assert(
      fc.property(value, (v) => {
        for (const s of strings(printableDeep(v))) expect(s).not.toMatch(RAW_CONTROL);
      }),
      fuzzParams(1),
    );
  });
});
