/**
 * Checks that span documents: names unique across the repository, and every
 * SnapshotSet in a region the Reconciler manages. A duplicate is reported at
 * its second occurrence and names the first, so both are easy to find.
 */
import type { InputIssue } from "../core/errors.js";
import type { Located } from "./documents.js";
import type { ReconcilerDocument, SnapshotSetDocument } from "./schema.js";

function where(located: Located<unknown>, path: (string | number)[]): string {
  const pos = located.doc.locate(path);
  return pos ? `${located.file}:${pos.line}:${pos.col}` : located.file;
}

function issueAt(
  located: Located<unknown>,
  path: (string | number)[],
  field: string,
  message: string,
): InputIssue {
  return { file: located.file, ...located.doc.locate(path), field, message };
}

export function crossCheck(
  reconciler: Located<ReconcilerDocument> | null,
  sets: readonly Located<SnapshotSetDocument>[],
): InputIssue[] {
  const issues: InputIssue[] = [];
  const setNames = new Map<string, Located<SnapshotSetDocument>>();
  /** `region/name` → the set and index that keeps it first */
  const kept = new Map<string, { set: Located<SnapshotSetDocument>; index: number }>();
  const regions = reconciler ? new Set(reconciler.value.spec.regions) : null;

  for (const set of sets) {
    const { name } = set.value.metadata;
    const { region, keep } = set.value.spec;
    const first = setNames.get(name);
    if (first) {
      issues.push(
        issueAt(
          set,
          ["metadata", "name"],
          "metadata.name",
          `SnapshotSet "${name}" is already declared at ${where(first, ["metadata", "name"])}`,
        ),
      );
    } else {
      setNames.set(name, set);
    }

    if (regions && !regions.has(region)) {
      issues.push(
        issueAt(
          set,
          ["spec", "region"],
          "spec.region",
          `"${region}" is not one of the regions in ${reconciler?.file} spec.regions (${[...regions].join(", ")})`,
        ),
      );
    }

    keep.forEach((snapshot, index) => {
      const key = `${region}/${snapshot}`;
      const earlier = kept.get(key);
      if (earlier) {
        issues.push(
          issueAt(
            set,
            ["spec", "keep", index],
            `spec.keep[${index}]`,
            `"${snapshot}" is already kept in ${region} by SnapshotSet "${earlier.set.value.metadata.name}" at ${where(earlier.set, ["spec", "keep", earlier.index])}`,
          ),
        );
      } else {
        kept.set(key, { set, index });
      }
    });
  }
  return issues;
}
