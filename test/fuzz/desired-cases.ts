/**
 * Mutated desired-state repositories as fast-check arbitraries: one file of
 * the example repo is attacked (values, then text), the others stay valid.
 * Shared by the in-process fuzzer and the CLI end-to-end sample.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import type { DesiredFiles } from "../../src/desired/index.js";
import { RECONCILERS, SNAPSHOT_SETS, yamlValues } from "./bases.js";
import {
  applyTextOps,
  applyValueOps,
  rawYaml,
  renderYaml,
  type TextOp,
  textOps,
  type ValueOp,
  valueOps,
  type YamlStyle,
} from "./mutate.js";

export const DESIRED_PATHS = ["snapgate.yaml", "snapshots/db.yaml", "snapshots/web.yaml"] as const;
export type DesiredPath = (typeof DESIRED_PATHS)[number];

export interface DesiredCase {
  reconciler: number;
  target: DesiredPath;
  /** false: only text operations on the original text (comments and flow style kept) */
  structural: boolean;
  doc: number;
  ops: ValueOp[];
  style: YamlStyle;
  text: TextOp[];
}

export const desiredCase: fc.Arbitrary<DesiredCase> = fc.record({
  reconciler: fc.nat({ max: RECONCILERS.length - 1 }),
  target: fc.constantFrom(...DESIRED_PATHS),
  structural: fc.boolean(),
  doc: fc.nat(),
  ops: valueOps(rawYaml),
  style: fc.constantFrom<YamlStyle>("block", "flow", "json"),
  text: textOps(true),
});

function originalText(c: DesiredCase, file: DesiredPath): string {
  return file === "snapgate.yaml"
    ? (RECONCILERS[c.reconciler] as string)
    : (SNAPSHOT_SETS[file] as string);
}

/** The mutated text of the target file. */
export function mutatedText(c: DesiredCase): string {
  const original = originalText(c, c.target);
  if (!c.structural) return applyTextOps(original, c.text);
  const docs = yamlValues(original);
  const index = c.doc % docs.length;
  const rendered = docs.map((value, i) =>
    i === index ? renderYaml(applyValueOps(value, c.ops), c.style) : stringify(value),
  );
  return applyTextOps(rendered.join("---\n"), c.text);
}

/** path → text of the whole repository with the target file mutated. */
export function repoTexts(c: DesiredCase): Record<DesiredPath, string> {
  const out = {} as Record<DesiredPath, string>;
  for (const file of DESIRED_PATHS)
    out[file] = file === c.target ? mutatedText(c) : originalText(c, file);
  return out;
}

export function desiredFilesOf(texts: Record<DesiredPath, string>): DesiredFiles {
  return {
    reconciler: { path: "snapgate.yaml", text: texts["snapgate.yaml"] },
    snapshotSets: DESIRED_PATHS.filter((p) => p !== "snapgate.yaml").map((p) => ({
      path: p,
      text: texts[p],
    })),
  };
}

/** Whole-file problems that honestly have no line: size, absence, file type. */
export const WHOLE_FILE =
  /larger than|is \d+ bytes|not found|has no document|both .* exist|not a regular file|symlink|not a directory/;
