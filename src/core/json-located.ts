/**
 * A small strict JSON parser that remembers where every value (and every
 * object key) starts, so a policy document's problems can be reported as
 * `file:line:col`. JSON.parse on Node 20 reports no position at all, and it
 * silently keeps the last of duplicate keys — which in a policy could hide an
 * `"Effect": "Deny"` behind a later `"Effect": "Allow"`; here that is an error.
 */
import type { PathSegment } from "./yaml-located.js";

export interface LocatedJson {
  value: unknown;
  /** 1-based position of the value at `path` (or of its key), nearest ancestor if absent */
  locate(path: readonly PathSegment[], key?: boolean): { line: number; col: number } | undefined;
}

export type JsonParseResult =
  | { ok: true; json: LocatedJson }
  | { ok: false; line: number; col: number; message: string };

const MAX_DEPTH = 64;

class JsonSyntaxError {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

export function parseLocatedJson(text: string): JsonParseResult {
  const valueAt = new Map<string, number>();
  const keyAt = new Map<string, number>();
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    throw new JsonSyntaxError(at, message);
  };
  const skipWs = () => {
    while (pos < text.length && " \t\n\r".includes(text[pos] as string)) pos++;
  };
  const describe = () => (pos >= text.length ? "end of input" : `${JSON.stringify(text[pos])}`);

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = "";
    for (;;) {
      const c = text[pos];
      if (c === undefined) fail("unterminated string", start);
      if (c === '"') break;
      if (c === "\\") {
        const e = text[pos + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          pos += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
        } else {
          fail("invalid escape in string");
        }
        continue;
      }
      if ((c as string) < " ") fail("control character in string");
      // Append a run of plain characters as one slice: a string built a character at a time
      // becomes a rope of a million pieces for a long value.
      const runStart = pos;
      while (pos < text.length) {
        const d = text.charCodeAt(pos);
        if (d === 0x22 || d === 0x5c || d < 0x20) break;
        pos++;
      }
      out += text.slice(runStart, pos);
    }
    pos++; // closing quote
    return out;
  };

  const parseValue = (path: PathSegment[], depth: number): unknown => {
    skipWs();
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    valueAt.set(JSON.stringify(path), pos);
    const c = text[pos];
    if (c === "{") {
      pos++;
      const obj: Record<string, unknown> = {};
      skipWs();
      if (text[pos] === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail(`expected a quoted key, found ${describe()}`);
        const keyStart = pos;
        const key = parseString();
        if (Object.hasOwn(obj, key)) fail(`duplicate key "${key}"`, keyStart);
        keyAt.set(JSON.stringify([...path, key]), keyStart);
        skipWs();
        if (text[pos] !== ":") fail(`expected ":" after key "${key}", found ${describe()}`);
        pos++;
        // An own property even for "__proto__": assignment would set the prototype
        // and hide the member from every schema check.
        Object.defineProperty(obj, key, {
          value: parseValue([...path, key], depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return obj;
        }
        fail(`expected "," or "}", found ${describe()}`);
      }
    }
    if (c === "[") {
      pos++;
      const arr: unknown[] = [];
      skipWs();
      if (text[pos] === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue([...path, arr.length], depth + 1));
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return arr;
        }
        fail(`expected "," or "]", found ${describe()}`);
      }
    }
    if (c === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(pos, pos + 64),
    );
    if (!literal) return fail(`unexpected ${describe()}`);
    pos += literal[0].length;
    return JSON.parse(literal[0]);
  };

  let index: ReturnType<typeof lineIndex> | undefined;
  const lineCol = (offset: number) => {
    index ??= lineIndex(text);
    return index(offset);
  };
  try {
    const value = parseValue([], 0);
    skipWs();
    if (pos < text.length) fail(`unexpected ${describe()} after the document`);
    const locate = (path: readonly PathSegment[], key = false) => {
      if (key) {
        const k = keyAt.get(JSON.stringify(path));
        if (k !== undefined) return lineCol(k);
      }
      for (let len = path.length; len >= 0; len--) {
        const at = valueAt.get(JSON.stringify(path.slice(0, len)));
        if (at !== undefined) return lineCol(at);
      }
      return undefined;
    };
    return { ok: true, json: { value, locate } };
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return { ok: false, ...lineCol(err.offset), message: `invalid JSON: ${err.message}` };
  }
}

/** Line and column of offsets in one text; line starts are found once, then binary-searched. */
function lineIndex(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (starts[lo] as number) + 1 };
  };
}
