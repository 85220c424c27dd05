/**
 * Rewrites one exported function of a wasm module to `loop br 0 end unreachable`: an endless
 * loop, as a hostile committer would hand-edit a compiled policy (no toolchain needed).
 */

function readU32(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++]!;
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: value >>> 0, next: i };
    shift += 7;
  }
}

function u32(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

interface Section {
  id: number;
  body: Uint8Array;
}

function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  let i = 8;
  while (i < wasm.length) {
    const id = wasm[i]!;
    const size = readU32(wasm, i + 1);
    out.push({ id, body: wasm.subarray(size.next, size.next + size.value) });
    i = size.next + size.value;
  }
  return out;
}

function skipName(b: Uint8Array, at: number): { name: string; next: number } {
  const len = readU32(b, at);
  return {
    name: Buffer.from(b.subarray(len.next, len.next + len.value)).toString("utf8"),
    next: len.next + len.value,
  };
}

function importedFunctions(imports: Uint8Array | undefined): number {
  if (!imports) return 0;
  const count = readU32(imports, 0);
  let i = count.next;
  let funcs = 0;
  const limits = (at: number) => {
    const flag = imports[at]!;
    let next = readU32(imports, at + 1).next;
    if (flag & 1) next = readU32(imports, next).next;
    return next;
  };
  for (let n = 0; n < count.value; n++) {
    i = skipName(imports, skipName(imports, i).next).next;
    const kind = imports[i++]!;
    if (kind === 0) {
      funcs++;
      i = readU32(imports, i).next;
    } else if (kind === 1) i = limits(i + 1);
    else if (kind === 2) i = limits(i);
    else i += 2;
  }
  return funcs;
}

function exportedFunction(exports: Uint8Array, name: string): number {
  const count = readU32(exports, 0);
  let i = count.next;
  for (let n = 0; n < count.value; n++) {
    const entry = skipName(exports, i);
    const kind = exports[entry.next]!;
    const index = readU32(exports, entry.next + 1);
    if (kind === 0 && entry.name === name) return index.value;
    i = index.next;
  }
  throw new Error(`no exported function ${name}`);
}

const ENDLESS_BODY = [0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x00, 0x0b];

/** The module with the bodies of the named exported functions replaced by an endless loop. */
export function withEndlessLoop(wasm: Uint8Array, functionNames: readonly string[]): Buffer {
  const all = sections(wasm);
  const imported = importedFunctions(all.find((s) => s.id === 2)?.body);
  const exports = all.find((s) => s.id === 7)?.body;
  if (!exports) throw new Error("no export section");
  const targets = new Set(functionNames.map((n) => exportedFunction(exports, n) - imported));
  const parts: number[][] = [[...wasm.subarray(0, 8)]];
  for (const section of all) {
    let body = [...section.body];
    if (section.id === 10) {
      const count = readU32(section.body, 0);
      let i = count.next;
      const rebuilt: number[] = [...u32(count.value)];
      for (let n = 0; n < count.value; n++) {
        const size = readU32(section.body, i);
        const fn = section.body.subarray(size.next, size.next + size.value);
        const replaced = targets.has(n) ? ENDLESS_BODY : [...fn];
        rebuilt.push(...u32(replaced.length), ...replaced);
        i = size.next + size.value;
      }
      body = rebuilt;
    }
    parts.push([section.id, ...u32(body.length), ...body]);
  }
  return Buffer.from(parts.flat());
}
