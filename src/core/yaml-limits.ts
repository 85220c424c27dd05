/**
 * Cheap checks run on the raw text before the YAML parser sees it. The parser
 * composes documents recursively: a few hundred thousand nested `[` in a
 * half-megabyte file exhaust the process's memory (a fatal error, not an
 * exception). The lexer, however, is iterative, so we walk its tokens once and
 * refuse absurd nesting with a located error before composing anything.
 */
import { CST, Lexer } from "yaml";
import type { InputIssue } from "./errors.js";

/**
 * Largest configuration file read from the repository and parsed (desired-state YAML, the
 * IAM policy document): bytes of UTF-8, also applied to the decoded text length.
 */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Deepest nesting accepted; real configs need fewer than ten levels. */
export const MAX_NESTING = 64;

/** Synthetic lexer tokens that do not correspond to source characters. */
const SYNTHETIC = new Set<string>([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** A located issue when the text is too large or too deeply nested, else null. */
export function yamlLimitProblem(
  file: string,
  text: string,
  maxBytes = MAX_CONFIG_FILE_BYTES,
): InputIssue | null {
  if (text.length > maxBytes) {
    return { file, message: `file is larger than ${maxBytes} bytes` };
  }
  let offset = 0;
  let flowDepth = 0;
  /** `- - - x` and `? ? x` nest block collections on a single line */
  let compactDepth = 0;
  /** indentation of the enclosing block lines: one entry per level */
  const indents: number[] = [];
  let atLineStart = true;
  let indent = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    switch (type) {
      case "flow-map-start":
      case "flow-seq-start":
        flowDepth++;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        flowDepth = Math.max(0, flowDepth - 1);
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        compactDepth++;
        break;
      case "doc-start":
        indents.length = 0;
        break;
    }
    if (type === "newline") {
      compactDepth = 0;
      atLineStart = true;
      indent = 0;
    } else if (atLineStart && type === "space") {
      indent = token.length;
    } else if (atLineStart && type !== "comment" && !SYNTHETIC.has(token)) {
      atLineStart = false;
      if (flowDepth === 0) {
        while (indents.length > 0 && (indents[indents.length - 1] ?? 0) >= indent) indents.pop();
        indents.push(indent);
      }
    }
    if (flowDepth + compactDepth + indents.length > MAX_NESTING) {
      return {
        file,
        ...positionOf(text, offset),
        message: `nested more than ${MAX_NESTING} levels deep`,
      };
    }
    if (!SYNTHETIC.has(token)) offset += token.length;
  }
  return null;
}

function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
