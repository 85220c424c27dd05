/**
 * Structure-aware mutations as fast-check arbitraries, so a failing input
 * shrinks to a short list of operations. A document is parsed into a value,
 * value operations replace, delete, add, wrap or swap subtrees (with hostile
 * values, or raw YAML/JSON text spliced in where the value was), it is
 * rendered in one of several styles, and text operations then attack the
 * bytes: BOMs, CRLF, NUL, duplicated lines, truncation, alias bombs, deep
 * nesting, extra documents, tags and directives.
 */
import fc from "fast-check";
import { stringify } from "yaml";

/** Text spliced into the rendered document where a value was. */
export class Raw {
  constructor(readonly text: string) {}
}

export type Hostile = unknown;

const LOOKALIKES = [
  "web‐data", // U+2010 hyphen
  "wеb-data", // Cyrillic е
  "web-dаta", // Cyrillic а
  "web-data\u200b", // zero-width space
  "ｗｅｂ-data", // fullwidth
  "web-data\u0301",
  "us‑east‑1", // non-breaking hyphens
  "snapgate.dev/v1\u00a0",
  "Reconci1er",
  "SnapshotSеt",
];

const PATHS = [
  "../outside.json",
  "../../etc/passwd",
  "/etc/passwd",
  "~/policy.json",
  "~root/x",
  "%2e%2e/%2e%2e/etc/passwd",
  "..%2fetc%2fpasswd",
  "iam/../../x.json",
  "iam\\..\\..\\x.json",
  "iam/./reconciler.json",
  "C:\\Windows\\system32",
  "file:///etc/passwd",
  "https://example.com/policy.wasm",
  "iam/reconciler.json\u0000.txt",
  ".",
  "",
  "iam//reconciler.json",
];

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "<<",
  "",
  " ",
  "spec ",
  "Spec",
  "kind",
  "apiVersion",
  "Statement",
  "Effect",
  "digest",
  "a".repeat(300),
  "ключ",
  "\u0000",
];

/** Hostile JS values: wrong types, edge numbers, long and strange strings. */
export const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom<Hostile>(
    null,
    true,
    false,
    0,
    -0,
    -1,
    1.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    1e21,
    -1e308,
    "",
    " ",
    "*",
    "null",
    "true",
    "0x10",
    "1e309",
    "builtin",
    "us-east-1",
    "\u0000",
    "\ud800",
    "\ufeff",
    "a\nb",
    "$" + "{AWS_SECRET}",
    [],
    {},
    [[[]]],
    { "": "" },
    { __proto__: null, polluted: "yes" },
  ),
  fc.constantFrom(...LOOKALIKES),
  fc.constantFrom(...PATHS),
  fc.constantFrom(...KEYS),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.nat({ max: 200_000 }).map((n) => "x".repeat(n)),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 5 }),
  fc.dictionary(
    fc.constantFrom(...KEYS, "team", "env"),
    fc.oneof(fc.string({ maxLength: 4 }), fc.integer()),
  ),
);

/** Raw YAML text: tags, aliases, merge keys, odd scalars and structures the serializer cannot produce. */
export const rawYaml: fc.Arbitrary<Raw> = fc
  .oneof(
    fc.constantFrom(
      "1e309",
      "-1e309",
      ".nan",
      ".NaN",
      ".inf",
      "-.Inf",
      "-0",
      "0x7fffffffffffffffff",
      "0o777",
      "99999999999999999999999999",
      "1_000",
      "2001-12-14t21:59:43.10-05:00",
      "~",
      "!!js/function 'function(){ return process.exit(1) }'",
      "!!js/undefined ''",
      "!!js/regexp /a/",
      "!!binary aGVsbG8=",
      "!!timestamp 2001-12-14",
      "!!set { a, b }",
      "!!omap [ a: 1, b: 2 ]",
      "!!pairs [ a: 1, a: 2 ]",
      "!!int 'nope'",
      "!!float 'nope'",
      "!!str",
      "!!map []",
      "!!seq {}",
      "!custom x",
      "!<tag:example.com,2000:app/foo> bar",
      "!!python/object:os.system 'ls'",
      "&anchor x",
      "*undefined_alias",
      "&a [*a]",
      "{ <<: { a: 1 } }",
      "{ <<: [ { a: 1 }, { b: 2 } ] }",
      "{ a: 1, a: 2 }",
      "{ ? [a, b] : c }",
      "{ [1, 2]: x }",
      "[a, b, ]",
      "{ a: b, }",
      '"unterminated',
      "'it''s'",
      '"\\x00\\uD800\\U0010FFFF"',
      "|\n  block\n  scalar",
      ">-\n  folded",
      "@reserved",
      "`backtick",
      "%not-a-directive",
      "? complex",
      "- in\n- block",
      "a: b: c",
      "\t tabbed",
    ),
    fc.integer({ min: 1, max: 400 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
    fc.integer({ min: 1, max: 400 }).map((n) => `${"{a: ".repeat(n)}x${"}".repeat(n)}`),
    fc.integer({ min: 1, max: 40 }).map((n) => `${"[".repeat(n)}`),
  )
  .map((t) => new Raw(t));

/** Raw JSON text for JSON targets: the numbers and structures JSON.stringify never writes. */
export const rawJson: fc.Arbitrary<Raw> = fc
  .oneof(
    fc.constantFrom(
      "1e309",
      "-1e309",
      "-0",
      "-0.0",
      "1.0",
      "1E2",
      "NaN",
      "Infinity",
      "0x10",
      "01",
      "+1",
      ".5",
      "99999999999999999999999999",
      '"\\ud800"',
      '"\\u0000"',
      '"\\uZZZZ"',
      '"tab\there"',
      "'single'",
      "undefined",
      "True",
      "nul",
      '{"__proto__": {"polluted": "yes"}}',
      '{"__proto__": []}',
      '{"a": 1, "a": 2}',
      '{"__proto__": 1, "__proto__": 2}',
      "[1, 2, ]",
      '{"a": 1,}',
      "{a: 1}",
      "// comment",
      "/* c */ 1",
    ),
    fc.integer({ min: 1, max: 200 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
    fc.integer({ min: 1, max: 200 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
  )
  .map((t) => new Raw(t));

export type ValueOp =
  | { op: "set"; at: number; value: Hostile }
  | { op: "delete"; at: number }
  | { op: "addKey"; at: number; key: string; value: Hostile }
  | { op: "wrap"; at: number; how: "array" | "object"; depth: number }
  | { op: "hugeArray"; at: number; n: number }
  | { op: "swap"; a: number; b: number }
  | { op: "stringify"; at: number };

export function valueOps(raw: fc.Arbitrary<Raw>): fc.Arbitrary<ValueOp[]> {
  const at = fc.nat();
  const value = fc.oneof({ weight: 3, arbitrary: hostileValue }, { weight: 2, arbitrary: raw });
  const op: fc.Arbitrary<ValueOp> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant("set" as const), at, value }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("delete" as const), at }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant("addKey" as const),
        at,
        key: fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })),
        value,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("wrap" as const),
        at,
        how: fc.constantFrom("array" as const, "object" as const),
        depth: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 50, max: 300 })),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("hugeArray" as const),
        at,
        n: fc.oneof(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 5000, max: 10_000 })),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("swap" as const), a: at, b: at }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("stringify" as const), at }) },
  );
  return fc.array(op, { minLength: 1, maxLength: 4 });
}

type Path = (string | number)[];

/** Every path in the tree (root first), or only those of containers. */
function pathsOf(
  value: unknown,
  containersOnly = false,
  base: Path = [],
  out: Path[] = [],
): Path[] {
  const container = value !== null && typeof value === "object" && !(value instanceof Raw);
  if (!containersOnly || container) out.push(base);
  if (container && base.length < 12 && out.length < 5000) {
    for (const [k, v] of Object.entries(value as object)) {
      pathsOf(v, containersOnly, [...base, Array.isArray(value) ? Number(k) : k], out);
    }
  }
  return out;
}

function getAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) v = (v as Record<string | number, unknown>)[seg];
  return v;
}

/** Replace (or with `remove`, delete) the value at `path`; returns the new root. */
function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return remove ? null : value;
  const parent = getAt(root, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    Object.defineProperty(parent, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return root;
}

function deepWrap(value: unknown, how: "array" | "object", depth: number): unknown {
  let v = value;
  for (let i = 0; i < depth; i++) v = how === "array" ? [v] : { a: v };
  return v;
}

const MAX_GENERATED_NODES = 200_000;

/** Nodes in a tree, counting shared subtrees every time they appear (as a serializer would). */
function nodeCount(value: unknown, limit = MAX_GENERATED_NODES + 1): number {
  if (typeof value === "string") return 1 + Math.floor(value.length / 50);
  if (value instanceof Raw) return 1 + Math.floor(value.text.length / 50);
  if (value === null || typeof value !== "object") return 1;
  let n = 1;
  for (const child of Object.values(value)) {
    n += nodeCount(child, limit - n);
    if (n > limit) return n;
  }
  return n;
}

/** A deep copy that keeps Raw leaves and own `__proto__` keys as they are. */
export function cloneValue(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Raw) return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: cloneValue(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Applies the operations to a deep copy of `base`. */
export function applyValueOps(base: unknown, ops: readonly ValueOp[]): unknown {
  let root: unknown = cloneValue(base);
  for (const op of ops) {
    const all = pathsOf(root);
    const pick = (n: number) => all[n % all.length] as Path;
    switch (op.op) {
      case "set":
        root = setAt(root, pick(op.at), cloneValue(op.value));
        break;
      case "delete":
        root = setAt(root, pick(op.at), undefined, true);
        break;
      case "addKey": {
        const maps = pathsOf(root, true).filter((p) => !Array.isArray(getAt(root, p)));
        if (maps.length === 0) break;
        const target = getAt(root, maps[op.at % maps.length] as Path) as object;
        Object.defineProperty(target, op.key, {
          value: cloneValue(op.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
        break;
      }
      case "wrap": {
        const p = pick(op.at);
        root = setAt(root, p, deepWrap(getAt(root, p), op.how, op.depth));
        break;
      }
      case "hugeArray": {
        const p = pick(op.at);
        const item = getAt(root, p);
        // Bound the generated document (not the loader): repeated huge arrays would exhaust the heap here.
        if (nodeCount(root) + nodeCount(item) * op.n > MAX_GENERATED_NODES) break;
        // Copies, not one shared object: a later edit inside one item must not multiply.
        root = setAt(
          root,
          p,
          Array.from({ length: op.n }, () => cloneValue(item)),
        );
        break;
      }
      case "swap": {
        const a = pick(op.a);
        const b = pick(op.b);
        if (a.length === 0 || b.length === 0) break;
        const va = getAt(root, a);
        const vb = getAt(root, b);
        if (isAncestor(a, b) || isAncestor(b, a)) break;
        // Fresh copies: a shared subtree (see hugeArray) must never become its own ancestor.
        setAt(root, a, cloneValue(vb));
        setAt(root, b, cloneValue(va));
        break;
      }
      case "stringify": {
        const p = pick(op.at);
        const v = getAt(root, p);
        if (typeof v === "number" || typeof v === "boolean") root = setAt(root, p, String(v));
        else if (typeof v === "string" && v !== "" && !Number.isNaN(Number(v)))
          root = setAt(root, p, Number(v));
        break;
      }
    }
  }
  return root;
}

function isAncestor(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((seg, i) => seg === b[i]);
}

/** Replaces Raw leaves with placeholders; returns the copy and the raw texts. */
function withPlaceholders(value: unknown, raws: string[]): unknown {
  if (value instanceof Raw) {
    raws.push(value.text);
    return `@@RAW${raws.length - 1}@@`;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => withPlaceholders(v, raws));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    Object.defineProperty(out, k, {
      value: withPlaceholders(v, raws),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function splice(text: string, raws: string[]): string {
  return text.replace(/(["']?)@@RAW(\d+)@@\1/g, (_m, _q, i: string) => raws[Number(i)] ?? "");
}

export type YamlStyle = "block" | "flow" | "json";

/** The value as YAML text in the given style, raw snippets spliced in. */
export function renderYaml(value: unknown, style: YamlStyle): string {
  const raws: string[] = [];
  const plain = withPlaceholders(value, raws);
  let text: string;
  if (style === "json") text = `${JSON.stringify(plain, null, 2) ?? "null"}\n`;
  else {
    try {
      text = stringify(plain, {
        collectionStyle: style === "flow" ? "flow" : "any",
        lineWidth: 0,
        aliasDuplicateObjects: false,
      });
    } catch {
      text = `${JSON.stringify(plain) ?? "null"}\n`;
    }
  }
  return splice(text, raws);
}

/** The value as JSON text, raw snippets spliced in. */
export function renderJson(value: unknown, pretty: boolean): string {
  const raws: string[] = [];
  const plain = withPlaceholders(value, raws);
  return splice(JSON.stringify(plain, null, pretty ? 2 : undefined) ?? "null", raws);
}

export type TextOp =
  | { op: "bom" }
  | { op: "crlf" }
  | { op: "cr" }
  | { op: "insert"; at: number; text: string }
  | { op: "truncate"; at: number }
  | { op: "duplicateLine"; at: number }
  | { op: "deleteLine"; at: number }
  | { op: "append"; text: string }
  | { op: "prepend"; text: string }
  | { op: "reindent"; at: number; by: string };

const ALIAS_BOMB = (() => {
  const lines = ['bomb0: &b0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 12; i++)
    lines.push(
      `bomb${i}: &b${i} [${Array(10)
        .fill(`*b${i - 1}`)
        .join(",")}]`,
    );
  return `${lines.join("\n")}\n`;
})();

/** Text-level attacks; `yaml` adds the YAML-only ones (directives, documents, bombs). */
export function textOps(yaml: boolean): fc.Arbitrary<TextOp[]> {
  const at = fc.nat();
  const snippet = fc.oneof(
    fc.constantFrom(
      "\u0000",
      "\t",
      "\r",
      "\u2028",
      "\ufeff",
      "\ud800",
      ":",
      "- ",
      "#",
      "&",
      "*",
      "!",
      "|",
      ">",
      "'",
      '"',
      "{",
      "}",
      "[",
      "]",
      ",",
      "\\",
      "\n---\n",
      "\n...\n",
      "<<: *x\n",
      "\u202e",
    ),
    fc.string({ maxLength: 6 }),
  );
  const yamlExtras = fc.constantFrom(
    "\n---\n",
    "\n---\napiVersion: snapgate.dev/v1\nkind: Reconciler\n",
    "\n---\napiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: extra }\nspec: { region: us-east-1 }\n",
    "\n--- !!str\n",
    "\n...\ngarbage: [\n",
    `\n---\n${ALIAS_BOMB}`,
    "\n---\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
    `\n---\n${"- ".repeat(500)}x\n`,
    `\n${"---\n".repeat(1500)}`,
    `\n${"---\na: 1\n".repeat(1200)}`,
    "\nextra: &x { a: 1 }\nmerge: { <<: *x }\n",
    "\n!!binary |\n  aGVsbG8=\n",
    `\nlong: ${"y".repeat(1_100_000)}\n`,
  );
  const prefix = fc.constantFrom(
    "\ufeff",
    "%YAML 1.1\n---\n",
    "%YAML 2.0\n---\n",
    "%TAG ! tag:evil.com,2000:\n---\n",
    "--- |\n",
    "\u0000",
    "\ufeff\ufeff",
  );
  const op: fc.Arbitrary<TextOp> = fc.oneof(
    fc.constant({ op: "bom" as const }),
    fc.constant({ op: "crlf" as const }),
    fc.constant({ op: "cr" as const }),
    fc.record({ op: fc.constant("insert" as const), at, text: snippet }),
    fc.record({ op: fc.constant("truncate" as const), at }),
    fc.record({ op: fc.constant("duplicateLine" as const), at }),
    fc.record({ op: fc.constant("deleteLine" as const), at }),
    fc.record({
      op: fc.constant("reindent" as const),
      at,
      by: fc.constantFrom(" ", "\t", "   ", ""),
    }),
    ...(yaml
      ? [
          fc.record({ op: fc.constant("append" as const), text: yamlExtras }),
          fc.record({ op: fc.constant("prepend" as const), text: prefix }),
        ]
      : [
          fc.record({
            op: fc.constant("append" as const),
            text: fc.constantFrom("\u0000", " x", "{}", "\n\n", "]"),
          }),
          fc.record({
            op: fc.constant("prepend" as const),
            text: fc.constantFrom("\ufeff", " ", "\u0000", "["),
          }),
        ]),
  );
  return fc.array(op, { minLength: 0, maxLength: 3 });
}

export function applyTextOps(text: string, ops: readonly TextOp[]): string {
  let t = text;
  for (const op of ops) {
    const lines = t.split("\n");
    const line = (n: number) => n % Math.max(1, lines.length);
    switch (op.op) {
      case "bom":
        t = `\ufeff${t}`;
        break;
      case "crlf":
        t = t.replace(/\n/g, "\r\n");
        break;
      case "cr":
        t = t.replace(/\n/g, "\r");
        break;
      case "insert": {
        const at = op.at % (t.length + 1);
        t = t.slice(0, at) + op.text + t.slice(at);
        break;
      }
      case "truncate":
        t = t.slice(0, op.at % (t.length + 1));
        break;
      case "duplicateLine": {
        const i = line(op.at);
        lines.splice(i, 0, lines[i] ?? "");
        t = lines.join("\n");
        break;
      }
      case "deleteLine":
        lines.splice(line(op.at), 1);
        t = lines.join("\n");
        break;
      case "reindent": {
        const i = line(op.at);
        lines[i] = op.by + (lines[i] ?? "").trimStart();
        t = lines.join("\n");
        break;
      }
      case "append":
        t += op.text;
        break;
      case "prepend":
        t = op.text + t;
        break;
    }
  }
  return t;
}
