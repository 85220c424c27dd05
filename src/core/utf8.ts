/**
 * Strict UTF-8 decoding with a located error: a file with a stray Latin-1 byte
 * is refused with the line and column of that byte, never silently repaired.
 */

export type DecodeResult = { ok: true; text: string } | { ok: false; line: number; col: number };

export function decodeUtf8(bytes: Uint8Array): DecodeResult {
  try {
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    const offset = firstInvalidOffset(bytes);
    // Everything before the bad byte is valid, so it decodes; count lines and characters in it.
    const before = new TextDecoder("utf-8").decode(bytes.subarray(0, offset));
    const lineStart = before.lastIndexOf("\n") + 1;
    let line = 1;
    for (let i = before.indexOf("\n"); i !== -1; i = before.indexOf("\n", i + 1)) line++;
    return { ok: false, line, col: [...before.slice(lineStart)].length + 1 };
  }
}

/** Byte offset of the first malformed sequence (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidOffset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}
