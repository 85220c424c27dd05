/**
 * YAML parsing that remembers where every value came from, so that schema
 * errors can be reported as `file:line:col: field: message`. Shared by the
 * desired-state loader and the emulator's fleet seed loader.
 */
import { type Document, isMap, isPair, isScalar, LineCounter, parseAllDocuments } from "yaml";
import type { z } from "zod";
import type { InputIssue } from "./errors.js";
import { yamlLimitProblem } from "./yaml-limits.js";

export type PathSegment = string | number;

/** Limits that keep hostile input from costing much (alias bombs, giant files). */
const MAX_ALIAS_COUNT = 100;
const MAX_DOCUMENTS = 1000;

export interface LocatedDocument {
  /** 0-based index of the document within its file */
  index: number;
  value: unknown;
  /** position of the value at `path` (or of its key when `key` is true) */
  locate(path: readonly PathSegment[], key?: boolean): { line: number; col: number } | undefined;
}

export interface ParsedYaml {
  documents: LocatedDocument[];
  issues: InputIssue[];
}

/** `spec.keep[2]` from ["spec", "keep", 2]. */
export function fieldPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? seg : `.${seg}`;
  }
  return out;
}

/** Parse every document of a YAML file; syntax errors become located issues. */
export function parseYamlFile(
  file: string,
  text: string,
  opts: { maxBytes?: number } = {},
): ParsedYaml {
  const lineCounter = new LineCounter();
  const issues: InputIssue[] = [];
  // Absurd nesting would exhaust memory in the recursive composer: refuse it first.
  const limit = yamlLimitProblem(file, text, opts.maxBytes);
  if (limit) return { documents: [], issues: [limit] };
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  if (list.length > MAX_DOCUMENTS) {
    issues.push({ file, line: 1, col: 1, message: `more than ${MAX_DOCUMENTS} YAML documents` });
    return { documents: [], issues };
  }
  const documents: LocatedDocument[] = [];
  list.forEach((doc, index) => {
    const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code !== "TAG_RESOLVE_FAILED")];
    if (doc.errors.length > 0) {
      for (const err of errors) {
        const pos = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
        issues.push({
          file,
          line: pos?.line,
          col: pos?.col,
          message: `invalid YAML: ${firstLine(err.message)}`,
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      issues.push({ file, line: 1, col: 1, message: `invalid YAML: ${firstLine(String(err))}` });
      return;
    }
    const locate = (path: readonly PathSegment[], key = false) => {
      const offset = offsetOf(doc, path, key);
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return { line, col };
    };
    // An empty document (e.g. a trailing `---`) has no content: skip it.
    if (doc.contents === null && value === null) return;
    documents.push({ index, value, locate });
  });
  return { documents, issues };
}

/** Offset of the node at `path`, walking up to the nearest existing ancestor. */
function offsetOf(
  doc: Document.Parsed,
  path: readonly PathSegment[],
  key: boolean,
): number | undefined {
  for (let len = path.length; len >= 0; len--) {
    const sub = path.slice(0, len);
    if (key && len === path.length && len > 0) {
      const parent = sub.length > 1 ? doc.getIn(sub.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find(
          (p) =>
            isPair(p) && isScalar(p.key) && String(p.key.value) === String(sub[sub.length - 1]),
        );
        const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
        if (range) return range[0];
      }
    }
    const node = len === 0 ? doc.contents : doc.getIn(sub, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return range[0];
  }
  return undefined;
}

/** Turn zod issues into located input issues for one document. */
export function zodIssues(
  file: string,
  doc: LocatedDocument,
  error: z.ZodError,
  basePath: readonly PathSegment[] = [],
): InputIssue[] {
  const out: InputIssue[] = [];
  for (const issue of error.issues) {
    const path = [...basePath, ...(issue.path as PathSegment[])];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const keyPath = [...path, key];
        const pos = doc.locate(keyPath, true);
        out.push({ file, ...pos, field: fieldPath(keyPath), message: `unknown field "${key}"` });
      }
      continue;
    }
    const pos = doc.locate(path);
    out.push({ file, ...pos, field: fieldPath(path) || undefined, message: issue.message });
  }
  return out;
}

/** Run a zod schema on a located document: the value, or located issues. */
export function validateDocument<T>(
  file: string,
  doc: LocatedDocument,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; issues: InputIssue[] } {
  const result = schema.safeParse(doc.value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: zodIssues(file, doc, result.error) };
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}
