/**
 * A fast reader for the plain subset of YAML that fleet seeds are written in:
 * block mappings and sequences, single-line flow collections (so one-line JSON
 * too), plain and simply quoted scalars, comments. The `yaml` library builds a
 * concrete syntax tree, a document and then the value, which costs ~0.1 ms per
 * seeded snapshot; this reads the value straight from the lines.
 *
 * It never guesses: anything outside the subset (anchors, tags, directives,
 * block scalars, escapes, multi-line scalars, tabs, duplicate keys, scalars the
 * core schema would read as anything but a string, a canonical integer, a
 * boolean or null …) returns undefined, and the caller parses with the `yaml`
 * library, which also locates every error. When it returns a value, that value
 * equals what `yaml` (YAML 1.2, core schema) would give for the same text; a
 * differential fuzz test holds it to that.
 */

/** Nesting deeper than this is left to the full parser and its limits. */
const MAX_DEPTH = 24;

interface Line {
  indent: number;
  /** the line without its indentation */
  text: string;
}

/** Declines a text: the caller falls back to the full parser. */
class Decline extends Error {}
const DECLINE = new Decline();
const decline = (): never => {
  throw DECLINE;
};

/** Characters that make a text more than plain YAML here (tabs, CR, BOM, controls, odd breaks). */
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/** The value of `text` when it is plain YAML as above, else undefined. */
export function parsePlainYaml(text: string): { value: unknown; work: number } | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split("\n")) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    if (indent === raw.length) continue; // blank
    const body = raw.slice(indent);
    if (body.charCodeAt(0) === 35 /* # */) continue; // a comment line
    // Directives and document markers: more than one document, or another schema.
    if (indent === 0 && (body[0] === "%" || body.startsWith("---") || body.startsWith("...")))
      return undefined;
    lines.push({ indent, text: body });
  }
  if (lines.length === 0) return undefined;
  try {
    const reader = new Reader(lines);
    const first = lines[0] as Line;
    if (first.indent !== 0) return undefined;
    let value: unknown;
    if (first.text[0] === "{" || first.text[0] === "[") {
      reader.pos = 1;
      value = reader.inlineValue(first.text, 0, -1);
    } else {
      value = reader.block(0, 0);
    }
    if (reader.pos !== lines.length) return undefined;
    return { value, work: reader.work };
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

class Reader {
  pos = 0;
  /** values read: a cost that grows linearly with the input (the tests count it) */
  work = 0;
  constructor(private readonly lines: Line[]) {}

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  /** A block collection whose first line is the current one, at `indent`. */
  block(indent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) decline();
    const line = this.line ?? decline();
    if (line.indent !== indent) decline();
    return isSeqItem(line.text) ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.line; line && line.indent >= indent; line = this.line) {
      if (line.indent > indent || isSeqItem(line.text)) decline();
      const { key, rest } = splitKey(line.text);
      if (Object.hasOwn(out, key)) decline(); // the full parser names the duplicate
      this.pos++;
      this.work++;
      out[key] = this.valueAfter(rest, indent, depth, true);
    }
    return out;
  }

  private sequence(indent: number, depth: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.line; line && line.indent >= indent; line = this.line) {
      if (line.indent > indent || !isSeqItem(line.text)) break;
      this.work++;
      let at = 1;
      while (line.text.charCodeAt(at) === 32) at++;
      const rest = line.text.slice(at);
      if (rest === "" || rest[0] === "#") {
        this.pos++;
        out.push(this.nested(indent, depth, false));
      } else if (isSeqItem(rest)) {
        decline(); // `- - x`: compact nested sequences
      } else if (startsMapping(rest)) {
        // `- key: value`: a mapping whose indentation is its first key's column
        const column = indent + at;
        this.lines[this.pos] = { indent: column, text: rest };
        out.push(this.mapping(column, depth + 1));
      } else {
        this.pos++;
        out.push(this.inlineValue(rest, depth, indent));
        this.noDeeperThan(indent);
      }
    }
    const next = this.line;
    if (next && next.indent > indent) decline();
    return out;
  }

  /** The value after `key:` (or `- `): inline, a nested block on the next lines, or null. */
  private valueAfter(rest: string, indent: number, depth: number, inMapping: boolean): unknown {
    let at = 0;
    while (rest.charCodeAt(at) === 32) at++;
    if (at === rest.length || rest[at] === "#") {
      if (at === 0 && rest.length > 0) decline(); // `key:#x`
      return this.nested(indent, depth, inMapping);
    }
    if (at === 0) decline(); // `key:value` is not a mapping entry
    const value = this.inlineValue(rest.slice(at), depth, indent);
    this.noDeeperThan(indent);
    return value;
  }

  /** A block value on the lines after a key or dash at `indent`, or null when there is none. */
  private nested(indent: number, depth: number, inMapping: boolean): unknown {
    const next = this.line;
    if (next && next.indent > indent) return this.block(next.indent, depth + 1);
    // A mapping's sequence may sit at the mapping's own indentation.
    if (inMapping && next && next.indent === indent && isSeqItem(next.text))
      return this.sequence(indent, depth + 1);
    return null;
  }

  /** A scalar on a line must not continue on the next (a multi-line plain scalar). */
  private noDeeperThan(indent: number): void {
    const next = this.line;
    if (next && next.indent > indent) decline();
  }

  /**
   * A value that ends its line: a flow collection (which may go on over the next lines,
   * indented deeper than `indent`, the enclosing block's), a quoted or a plain scalar.
   * The current line is the one after the value's first.
   */
  inlineValue(first: string, depth: number, indent: number): unknown {
    const c = first[0];
    if (c === "{" || c === "[") {
      const text = this.flowText(first, indent);
      const flow = new FlowReader(text, depth + 1);
      const value = flow.value();
      this.work += flow.work;
      endOfLine(text, flow.at);
      return value;
    }
    if (c === '"' || c === "'") {
      const { value, end } = quoted(first, 0);
      endOfLine(first, end);
      return value;
    }
    return plainScalar(blockPlain(first));
  }

  /**
   * A flow collection's text: its first line, joined by newlines with the following lines
   * until its brackets balance. A quote left open at a line's end (a multi-line quoted
   * scalar, folded) or a comment inside is left to the full parser.
   */
  private flowText(first: string, indent: number): string {
    let open = 0;
    let text = first;
    for (let chunk = first; ; ) {
      open = bracketBalance(chunk, open);
      if (open <= 0) return text;
      const next = this.line;
      if (!next || next.indent <= indent) decline();
      chunk = (next as Line).text;
      text += `\n${chunk}`;
      this.pos++;
    }
  }
}

/**
 * `open` plus the line's `{` and `[` minus its `}` and `]` outside quotes; declines a quote
 * left open or a comment inside the collection (one after it closes ends the line).
 */
function bracketBalance(line: string, open: number): number {
  let balance = open;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "{" || c === "[") balance++;
    else if (c === "}" || c === "]") balance--;
    else if (c === '"' || c === "'") {
      const close = line.indexOf(c, i + 1);
      if (close === -1) decline();
      i = close; // a '' inside single quotes reads as two quoted runs: the count is the same
    } else if (c === "#" && line[i - 1] === " ") {
      if (balance > 0) decline();
      break;
    }
  }
  return balance;
}

const isSeqItem = (text: string) => text[0] === "-" && (text.length === 1 || text[1] === " ");

/** Whether `text` begins with a mapping key (`key: …`, `"key": …`). */
function startsMapping(text: string): boolean {
  const c = text[0];
  if (c === '"' || c === "'") {
    try {
      const { end } = quoted(text, 0);
      return text[end] === ":";
    } catch (err) {
      if (err instanceof Decline) return false;
      throw err;
    }
  }
  if (c === "{" || c === "[") return false;
  const colon = keyColon(text);
  return colon !== -1;
}

/** Index of the `:` that ends a plain key (followed by a space or the end of line), else -1. */
function keyColon(text: string): number {
  for (let i = text.indexOf(":"); i !== -1; i = text.indexOf(":", i + 1)) {
    if (i + 1 === text.length || text.charCodeAt(i + 1) === 32) return i;
  }
  return -1;
}

/** Plain or quoted key characters the full parser reads as this same string. */
const PLAIN_KEY = /^[^\s\-?:,[\]{}#&*!|>'"%@`][^#,[\]{}]*$/;
/** The full parser refuses an implicit key longer than 1024 characters. */
const MAX_KEY_LENGTH = 1000;

function splitKey(text: string): { key: string; rest: string } {
  const c = text[0];
  if (c === '"' || c === "'") {
    const { value, end } = quoted(text, 0);
    if (text[end] !== ":") decline();
    return { key: checkedKey(value), rest: text.slice(end + 1) };
  }
  const colon = keyColon(text);
  if (colon <= 0) decline();
  const key = text.slice(0, colon);
  if (!PLAIN_KEY.test(key) || key.endsWith(" ")) decline();
  if (typeof plainScalar(key) !== "string") decline(); // `1:`, `true:` are not string keys
  return { key: checkedKey(key), rest: text.slice(colon + 1) };
}

/** Keys the full parser handles apart (prototype, merge) are left to it. */
function checkedKey(key: string): string {
  if (key === "__proto__" || key === "<<" || key.length > MAX_KEY_LENGTH) decline();
  return key;
}

/** The text of a block plain scalar: up to a ` #` comment, trailing spaces trimmed. */
function blockPlain(text: string): string {
  const hash = text.indexOf(" #");
  const body = trimSpaces(hash === -1 ? text : text.slice(0, hash));
  checkPlainStart(body);
  // `a: b` inside a value is a mapping (an error here); a trailing `:` starts one.
  if (body.includes(": ") || body.endsWith(":")) decline();
  return body;
}

/** Trailing spaces off (only U+0020: YAML keeps other white space, such as U+00A0, as content). */
function trimSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(0, end);
}

function checkPlainStart(body: string): void {
  const c = body[0];
  if (c === undefined) decline();
  if ("?:,[]{}#&*!|>'\"%@`".includes(c as string)) decline();
  if (c === "-" && (body.length === 1 || body[1] === " ")) decline();
}

/** The rest of a line after a value: spaces, then nothing or a comment. */
function endOfLine(text: string, from: number): void {
  let at = from;
  while (text.charCodeAt(at) === 32) at++;
  if (at === text.length) return;
  if (text[at] === "#" && at > from) return;
  decline();
}

/** A quoted scalar starting at `from`: single quotes with '' escapes, double quotes without escapes. */
function quoted(text: string, from: number): { value: string; end: number } {
  const q = text[from];
  if (q === '"') {
    const close = text.indexOf('"', from + 1);
    if (close === -1) decline();
    const value = text.slice(from + 1, close);
    if (value.includes("\\")) decline(); // escapes: the full parser
    return { value, end: close + 1 };
  }
  let value = "";
  let at = from + 1;
  for (;;) {
    const close = text.indexOf("'", at);
    if (close === -1) decline();
    value += text.slice(at, close);
    if (text[close + 1] === "'") {
      value += "'";
      at = close + 2;
    } else return { value, end: close + 1 };
  }
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
/** Canonical decimal integers within the safe range: the same number in any reading. */
const CANONICAL_INT = /^(?:0|-?[1-9][0-9]{0,14})$/;
/** What the core schema reads as a number (int, octal, hex, float, inf, nan). */
const CORE_NUMBER =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;

/** A plain scalar resolved as the core schema does, or declined when it is not simple. */
function plainScalar(text: string): unknown {
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (CANONICAL_INT.test(text)) return Number(text);
  if (CORE_NUMBER.test(text)) decline(); // other number forms: the full parser
  return text;
}

/** A flow collection on one line: `{ a: b, "c": [1, 2] }`, JSON included. */
class FlowReader {
  at = 0;
  work = 0;
  constructor(
    private readonly text: string,
    private readonly depth: number,
  ) {}

  value(): unknown {
    this.spaces();
    const c = this.text[this.at];
    if (c === "{") return this.map();
    if (c === "[") return this.seq();
    if (c === '"' || c === "'") {
      const { value, end } = quoted(this.text, this.at);
      this.at = end;
      return value;
    }
    return plainScalar(this.plain());
  }

  private nest(): void {
    if (this.depth > MAX_DEPTH) decline();
  }

  private map(): Record<string, unknown> {
    this.nest();
    const out: Record<string, unknown> = {};
    this.at++;
    this.spaces();
    if (this.text[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      this.spaces();
      const c = this.text[this.at];
      let key: string;
      if (c === '"' || c === "'") {
        const q = quoted(this.text, this.at);
        key = q.value;
        this.at = q.end;
        if (this.text[this.at] !== ":") decline();
        this.at++;
      } else {
        key = this.plain();
        if (typeof plainScalar(key) !== "string") decline();
        if (this.text[this.at] !== ":") decline();
        this.at++;
        if (this.text.charCodeAt(this.at) !== 32) decline();
      }
      checkedKey(key);
      if (Object.hasOwn(out, key)) decline();
      this.spaces();
      const next = this.text[this.at];
      if (next === "," || next === "}") decline(); // `{ a: }`: null values are the full parser's
      this.work++;
      out[key] = new FlowReader(this.text, this.depth + 1).from(this, this.at);
      this.spaces();
      const sep = this.text[this.at++];
      if (sep === "}") return out;
      if (sep !== ",") decline();
      this.spaces();
      if (this.text[this.at] === "}") {
        this.at++; // a trailing comma
        return out;
      }
    }
  }

  private seq(): unknown[] {
    this.nest();
    const out: unknown[] = [];
    this.at++;
    this.spaces();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      this.spaces();
      const c = this.text[this.at];
      if (c === "," || c === "]") decline();
      this.work++;
      out.push(new FlowReader(this.text, this.depth + 1).from(this, this.at));
      this.spaces();
      const sep = this.text[this.at++];
      if (sep === "]") return out;
      if (sep !== ",") decline();
      this.spaces();
      if (this.text[this.at] === "]") {
        this.at++; // a trailing comma
        return out;
      }
    }
  }

  /** Reads one value at `at` and moves `parent` past it. */
  from(parent: FlowReader, at: number): unknown {
    this.at = at;
    const value = this.value();
    parent.at = this.at;
    parent.work += this.work;
    return value;
  }

  /** A plain scalar in flow context: up to `,` `:` `]` `}` (a `:` in one, or a `#`, is declined). */
  private plain(): string {
    const start = this.at;
    let end = start;
    for (; end < this.text.length; end++) {
      const c = this.text[end];
      // a newline ends it here: a plain scalar folded over lines is the full parser's
      if (c === "," || c === "]" || c === "}" || c === ":" || c === "\n") break;
      if (c === "#" || c === "[" || c === "{") decline();
    }
    const body = trimSpaces(this.text.slice(start, end));
    checkPlainStart(body);
    // `a:b` is one plain scalar in YAML; `a :b` and the like are left to the full parser
    if (this.text[end] === ":" && this.text.charCodeAt(end + 1) !== 32) decline();
    if (this.text[end] === ":" && end > start && this.text.charCodeAt(end - 1) === 32) decline();
    this.at = end;
    return body;
  }

  /** Spaces and, inside a flow collection, line breaks. */
  private spaces(): void {
    for (let c = this.text.charCodeAt(this.at); c === 32 || c === 10; ) {
      c = this.text.charCodeAt(++this.at);
    }
  }
}
