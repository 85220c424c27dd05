/**
 * From one file's text to validated documents of the right kind, collecting
 * located issues instead of stopping at the first one.
 */
import type { z } from "zod";
import type { InputIssue } from "../core/errors.js";
import { messageOf } from "../core/errors.js";
import { type LocatedDocument, parseYamlFile, zodIssues } from "../core/yaml-located.js";
import { describeValue, yamlErrorMap } from "./messages.js";
import {
  apiVersionSchema,
  type ReconcilerDocument,
  reconcilerDocument,
  type SnapshotSetDocument,
  snapshotSetDocument,
} from "./schema.js";

export interface DesiredFile {
  /** repo-relative, forward slashes: used in every message */
  path: string;
  text: string;
}

/** A validated document and where it came from. */
export interface Located<T> {
  file: string;
  doc: LocatedDocument;
  value: T;
}

type Kind = "Reconciler" | "SnapshotSet";

/** The documents of a file, or none (with issues) when it is too big, too deep or not YAML. */
export function documentsOf(file: DesiredFile, issues: InputIssue[]): LocatedDocument[] {
  try {
    const parsed = parseYamlFile(file.path, file.text);
    issues.push(...parsed.issues);
    // A document holding only `null` (e.g. after a trailing `---`) declares nothing.
    return parsed.issues.length > 0 ? [] : parsed.documents.filter((doc) => doc.value !== null);
  } catch (err) {
    issues.push({ file: file.path, message: `invalid YAML: ${messageOf(err)}` });
    return [];
  }
}

/** The document's kind when it is one we know; otherwise issues about apiVersion/kind. */
function kindOf(file: string, doc: LocatedDocument, issues: InputIssue[]): Kind | null {
  const value = doc.value;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issues.push({
      file,
      ...doc.locate([]),
      message: `expected a mapping with apiVersion, kind, metadata and spec, got ${describeValue(value)}`,
    });
    return null;
  }
  const kind = (value as Record<string, unknown>).kind;
  if (kind === "Reconciler" || kind === "SnapshotSet") return kind;
  // The full schema will not run on this document, so report apiVersion here.
  const api = apiVersionSchema.safeParse((value as Record<string, unknown>).apiVersion, {
    error: yamlErrorMap,
  });
  if (!api.success) issues.push(...zodIssues(file, doc, api.error, ["apiVersion"]));
  issues.push({
    file,
    ...doc.locate(["kind"]),
    field: "kind",
    message:
      kind === undefined
        ? "required: Reconciler or SnapshotSet"
        : typeof kind === "string"
          ? `unknown kind ${JSON.stringify(kind)}: expected Reconciler or SnapshotSet`
          : `expected Reconciler or SnapshotSet, got ${describeValue(kind)}`,
  });
  return null;
}

function validate<T>(
  file: string,
  doc: LocatedDocument,
  schema: z.ZodType<T>,
  issues: InputIssue[],
): Located<T> | null {
  const result = schema.safeParse(doc.value, { error: yamlErrorMap });
  if (result.success) return { file, doc, value: result.data };
  issues.push(...zodIssues(file, doc, result.error));
  return null;
}

/** The single Reconciler of `snapgate.yaml`, or null with issues. */
export function reconcilerOf(
  file: DesiredFile,
  issues: InputIssue[],
): Located<ReconcilerDocument> | null {
  const before = issues.length;
  const docs = documentsOf(file, issues);
  if (docs.length === 0 && issues.length === before) {
    issues.push({ file: file.path, message: "has no document: expected one of kind Reconciler" });
  }
  let found: Located<ReconcilerDocument> | null = null;
  let seenReconciler = false;
  let firstLine: number | undefined;
  for (const doc of docs) {
    const kind = kindOf(file.path, doc, issues);
    if (kind === "SnapshotSet") {
      issues.push({
        file: file.path,
        ...doc.locate(["kind"]),
        field: "kind",
        message: `a SnapshotSet belongs in snapshots/*.yaml, not in ${file.path}`,
      });
    } else if (kind === "Reconciler") {
      const line = doc.locate([])?.line;
      if (seenReconciler) {
        issues.push({
          file: file.path,
          ...doc.locate(["kind"]),
          field: "kind",
          message: `only one Reconciler is allowed (the first is at line ${firstLine ?? "?"})`,
        });
        continue;
      }
      seenReconciler = true;
      firstLine = line;
      found = validate<ReconcilerDocument>(file.path, doc, reconcilerDocument, issues);
    }
  }
  return found;
}

/** The SnapshotSets of one `snapshots/*.yaml` file (several documents allowed). */
export function snapshotSetsOf(
  file: DesiredFile,
  issues: InputIssue[],
): Located<SnapshotSetDocument>[] {
  const sets: Located<SnapshotSetDocument>[] = [];
  for (const doc of documentsOf(file, issues)) {
    const kind = kindOf(file.path, doc, issues);
    if (kind === "Reconciler") {
      issues.push({
        file: file.path,
        ...doc.locate(["kind"]),
        field: "kind",
        message: "a Reconciler belongs in snapgate.yaml at the root of the repository",
      });
    } else if (kind === "SnapshotSet") {
      const set = validate<SnapshotSetDocument>(file.path, doc, snapshotSetDocument, issues);
      if (set) sets.push(set);
    }
  }
  return sets;
}
