/**
 * Fuzzes the desired-state loader: loadDesiredState over mutated example
 * repositories (in memory), and readDesiredFiles + loadDesiredState over real
 * files on disk with byte-level and file-system attacks (invalid UTF-8,
 * symlinks out of the repo, FIFOs, directories, oversized files).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { DesiredState } from "../../src/core/model.js";
import {
  loadDesiredState,
  MAX_CONFIG_FILE_BYTES,
  readDesiredFiles,
} from "../../src/desired/index.js";
import { desiredProblem } from "./bases.js";
import {
  DESIRED_PATHS,
  type DesiredPath,
  desiredCase,
  desiredFilesOf,
  repoTexts,
  WHOLE_FILE,
} from "./desired-cases.js";
import { attempt, attemptSync, checkOutcome, fuzzParams, Tally } from "./harness.js";

const tally = new Tally();
afterAll(() => tally.print());

describe("fuzz: loadDesiredState", () => {
  it("returns a valid desired state or a located BadInput for mutated repositories", () => {
    fc.assert(
      fc.property(desiredCase, (c) => {
        const texts = repoTexts(c);
        const outcome = attemptSync(() => loadDesiredState(desiredFilesOf(texts)));
        checkOutcome(
          tally,
          "desired-state (loadDesiredState)",
          outcome,
          { files: DESIRED_PATHS, texts, codes: ["BadInput"], wholeFile: WHOLE_FILE },
          desiredProblem,
        );
      }),
      fuzzParams(2),
    );
    expect(tally.total("desired-state (loadDesiredState)")).toBe(fuzzParams(2).numRuns);
  });
});

/** Byte sequences that are not UTF-8 (RFC 3629): stray, overlong, surrogate, too large, truncated. */
const BAD_UTF8: readonly number[][] = [
  [0xff],
  [0xfe],
  [0x80],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3],
  [0xf0, 0x9f, 0x98],
];

type FileAttack =
  | { kind: "badBytes"; file: DesiredPath; at: number; bytes: number[] }
  | { kind: "utf16"; file: DesiredPath }
  | { kind: "empty"; file: DesiredPath }
  | { kind: "huge"; file: DesiredPath }
  | { kind: "symlinkOutside"; file: DesiredPath }
  | { kind: "dangling"; file: DesiredPath }
  | { kind: "directory" }
  | { kind: "fifo" }
  | { kind: "snapshotsIsFile" }
  | { kind: "snapshotsOutside" }
  | { kind: "bothNames" }
  | { kind: "noReconciler" }
  | { kind: "nonYamlNeighbours" };

const file = fc.constantFrom(...DESIRED_PATHS);
const fileAttack: fc.Arbitrary<FileAttack> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("badBytes" as const),
      file,
      at: fc.nat(),
      bytes: fc.constantFrom(...BAD_UTF8),
    }),
  },
  fc.record({ kind: fc.constant("utf16" as const), file }),
  fc.record({ kind: fc.constant("empty" as const), file }),
  fc.record({ kind: fc.constant("huge" as const), file }),
  fc.record({ kind: fc.constant("symlinkOutside" as const), file }),
  fc.record({ kind: fc.constant("dangling" as const), file }),
  fc.constantFrom<FileAttack>(
    { kind: "directory" },
    { kind: "fifo" },
    { kind: "snapshotsIsFile" },
    { kind: "snapshotsOutside" },
    { kind: "bothNames" },
    { kind: "noReconciler" },
    { kind: "nonYamlNeighbours" },
  ),
);

/** Line and column (code points, 1-based) of character index `at` in `text`. */
function positionAt(text: string, at: number): { line: number; col: number } {
  // A leading BOM is not a column anyone sees.
  const before = text.slice(0, at).replace(/^\uFEFF/, "");
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, col: [...before.slice(lineStart)].length + 1 };
}

/** Writes the attacked repo; returns the position where an invalid byte was put, if any. */
function writeRepo(
  root: string,
  outside: string,
  texts: Record<DesiredPath, string>,
  attack: FileAttack,
): { file: DesiredPath; line: number; col: number } | null {
  mkdirSync(path.join(root, "snapshots"));
  let expected: { file: DesiredPath; line: number; col: number } | null = null;
  for (const rel of DESIRED_PATHS) {
    const full = path.join(root, rel);
    const text = texts[rel];
    if ("file" in attack && attack.file === rel) {
      switch (attack.kind) {
        case "badBytes": {
          const chars = [...text];
          const at = attack.at % (chars.length + 1);
          const prefix = chars.slice(0, at).join("");
          const bytes = Buffer.concat([
            Buffer.from(prefix),
            Buffer.from(attack.bytes),
            Buffer.from(chars.slice(at).join("")),
          ]);
          writeFileSync(full, bytes);
          // Over the size limit a file is refused unread: no UTF-8 position is expected then.
          if (bytes.length <= MAX_CONFIG_FILE_BYTES)
            expected = { file: rel, ...positionAt(text, prefix.length) };
          continue;
        }
        case "utf16":
          writeFileSync(
            full,
            Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]),
          );
          if (2 + 2 * text.length <= MAX_CONFIG_FILE_BYTES)
            expected = { file: rel, line: 1, col: 1 };
          continue;
        case "empty":
          writeFileSync(full, "");
          continue;
        case "huge":
          writeFileSync(full, `${text}#${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n`);
          continue;
        case "symlinkOutside":
          writeFileSync(path.join(outside, "secret.yaml"), text);
          symlinkSync(path.join(outside, "secret.yaml"), full);
          continue;
        case "dangling":
          symlinkSync(path.join(outside, "missing.yaml"), full);
          continue;
      }
    }
    if (attack.kind === "noReconciler" && rel === "snapgate.yaml") continue;
    writeFileSync(full, text);
  }
  switch (attack.kind) {
    case "directory":
      mkdirSync(path.join(root, "snapshots", "dir.yaml"));
      break;
    case "fifo":
      execFileSync("mkfifo", [path.join(root, "snapshots", "pipe.yaml")]);
      break;
    case "snapshotsIsFile":
      rmSync(path.join(root, "snapshots"), { recursive: true });
      writeFileSync(path.join(root, "snapshots"), "not a directory");
      break;
    case "snapshotsOutside":
      rmSync(path.join(root, "snapshots"), { recursive: true });
      mkdirSync(path.join(outside, "snaps"));
      symlinkSync(path.join(outside, "snaps"), path.join(root, "snapshots"));
      break;
    case "bothNames":
      writeFileSync(path.join(root, "snapgate.yml"), texts["snapgate.yaml"]);
      break;
    case "nonYamlNeighbours":
      writeFileSync(path.join(root, "snapshots", "README.md"), "\xff\xfe not yaml");
      writeFileSync(path.join(root, "snapshots", ".hidden.yaml.swp"), Buffer.from([0xff]));
      mkdirSync(path.join(root, "snapshots", "nested"));
      // subdirectories are read, but only their YAML files: a backup copy is a neighbour too
      writeFileSync(path.join(root, "snapshots", "nested", "x.yaml.bak"), "{");
      break;
  }
  return expected;
}

const FILE_LABELS = [
  ...DESIRED_PATHS,
  "snapgate.yml",
  "snapshots",
  "snapshots/dir.yaml",
  "snapshots/pipe.yaml",
];

describe("fuzz: readDesiredFiles on real files", () => {
  it("refuses hostile files with located errors and never throws anything else", async () => {
    const work = mkdtempSync(path.join(os.tmpdir(), "snapgate-fuzz-files-"));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(desiredFilesCase(), async ({ c, attack }) => {
          n++;
          const root = path.join(work, `repo-${n}`);
          const outside = path.join(work, `outside-${n}`);
          mkdirSync(root);
          mkdirSync(outside);
          const texts = repoTexts(c);
          const expected = writeRepo(root, outside, texts, attack);
          const outcome = await attempt<DesiredState>(async () =>
            loadDesiredState(await readDesiredFiles(root)),
          );
          rmSync(root, { recursive: true, force: true });
          rmSync(outside, { recursive: true, force: true });
          checkOutcome(
            tally,
            "desired-state files (readDesiredFiles)",
            outcome,
            {
              files: FILE_LABELS,
              texts: { ...texts, "snapgate.yml": texts["snapgate.yaml"] },
              codes: ["BadInput"],
              wholeFile: WHOLE_FILE,
            },
            desiredProblem,
          );
          if (expected) {
            // The invalid byte is reported exactly where it is.
            if (outcome.kind === "ok") throw new Error("invalid UTF-8 was accepted");
            const issues = (
              outcome.error as {
                issues: { file: string; line?: number; col?: number; message: string }[];
              }
            ).issues;
            const utf8 = issues.find((i) => i.file === expected.file && /UTF-8/.test(i.message));
            if (!utf8 || utf8.line !== expected.line || utf8.col !== expected.col) {
              throw new Error(
                `invalid UTF-8 in ${expected.file} expected at ${expected.line}:${expected.col}, reported ${JSON.stringify(utf8)}`,
              );
            }
          }
        }),
        fuzzParams(0.5),
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

function desiredFilesCase() {
  // Mostly valid texts (so the file attack is what is tested), sometimes mutated too.
  return fc.record({
    c: desiredCase.map((c) => (c.structural ? c : { ...c, text: [] })),
    attack: fileAttack,
  });
}
