/**
 * Text from a repository or a plan file (rule keys, policy messages, snapshot names, a forged
 * plan's reasons) on its way to a terminal: control characters are shown escaped, never
 * sent. A raw ESC, CR or bidirectional override could repaint or hide a "Will delete" line.
 */

/** C0 and C1 controls, DEL, line/paragraph separators and the bidirectional controls. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNPRINTABLE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeControl(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One line of output: every control character escaped (`\x1b`, `\x0a`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, escapeControl);
}

/** Several lines (an error report): newlines kept, every other control character escaped. */
export function printableLines(text: string): string {
  return text.replace(UNPRINTABLE_BUT_NEWLINE, escapeControl);
}

/** A JSON-like value with every string in it made printable (keys too). */
export function printableDeep<T>(value: T): T {
  if (typeof value === "string") return printable(value) as T;
  if (Array.isArray(value)) return value.map((v) => printableDeep(v)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, printable(k), {
        value: printableDeep(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out as T;
  }
  return value;
}
