/**
 * The one reader of files snapgate does not trust: a repository's desired state, policy bundle
 * and IAM policy document, a plan file handed to `show` / `apply`, an audit log to verify.
 * Every read is bounded before it starts: the path is resolved (symlinks included) and, for a
 * repository file, must stay inside the repository; it is stat'ed and must be a regular file
 * (a FIFO, a device such as /dev/zero or a directory is refused, never opened); it is opened
 * non-blocking and checked again on the open descriptor; at most `maxBytes` + 1 bytes are
 * read; text must be valid UTF-8. A problem is a value naming what is wrong, never a hang or
 * an out-of-memory crash.
 */
import { constants } from "node:fs";
import { type FileHandle, open, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { decodeUtf8 } from "./utf8.js";

export type FileProblemKind =
  | "missing"
  | "outside"
  | "not-regular"
  | "too-large"
  | "not-utf8"
  | "unreadable";

export interface FileProblem {
  kind: FileProblemKind;
  /** worded to follow the file's name: "is not a regular file" */
  message: string;
  line?: number;
  col?: number;
}

export type Resolved = { ok: true; real: string } | { ok: false; problem: FileProblem };

function inside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * The real path of `rel` inside the repository `root`: relative, and inside both as written and
 * once every symlink is resolved.
 */
export async function resolveInside(root: string, rel: string): Promise<Resolved> {
  const outside: Resolved = {
    ok: false,
    problem: {
      kind: "outside",
      message: "is a symlink that points outside the repository: refused",
    },
  };
  if (path.isAbsolute(rel) || !inside(path.resolve(root), path.resolve(root, rel))) {
    return {
      ok: false,
      problem: { kind: "outside", message: "is outside the repository: refused" },
    };
  }
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
  } catch {
    return { ok: false, problem: { kind: "missing", message: "cannot be read: no repository" } };
  }
  try {
    real = await realpath(path.resolve(root, rel));
  } catch {
    return {
      ok: false,
      problem: { kind: "missing", message: "does not exist" },
    };
  }
  return inside(realRoot, real) ? { ok: true, real } : outside;
}

export interface ReadLimits {
  /** the most bytes accepted; one more is read to tell "exactly the limit" from "over it" */
  maxBytes: number;
}

export type BytesRead = { ok: true; bytes: Buffer } | { ok: false; problem: FileProblem };
export type TextRead = { ok: true; text: string } | { ok: false; problem: FileProblem };

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function tooLarge(size: number | null, max: number): FileProblem {
  return {
    kind: "too-large",
    message:
      size === null
        ? `is larger than the limit of ${max} bytes (${formatBytes(max)})`
        : `is ${size} bytes; the limit is ${max} bytes (${formatBytes(max)})`,
  };
}

const NOT_REGULAR: FileProblem = {
  kind: "not-regular",
  message: "is not a regular file",
};

/** The bytes of a regular file at `file` (any path: symlinks followed), at most maxBytes. */
export async function readBoundedBytes(file: string, limits: ReadLimits): Promise<BytesRead> {
  let size: number;
  try {
    const info = await stat(file);
    // stat before open: opening a FIFO could block forever, reading /dev/zero never ends
    if (!info.isFile()) return { ok: false, problem: NOT_REGULAR };
    size = info.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "ENOENT"
      ? { ok: false, problem: { kind: "missing", message: "does not exist" } }
      : { ok: false, problem: { kind: "unreadable", message: `cannot be read (${code ?? err})` } };
  }
  if (size > limits.maxBytes) return { ok: false, problem: tooLarge(size, limits.maxBytes) };
  let handle: FileHandle;
  try {
    // non-blocking: a file swapped for a FIFO after stat must not block the open either
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problem: { kind: "unreadable", message: `cannot be read (${code ?? err})` },
    };
  }
  try {
    if (!(await handle.stat()).isFile()) return { ok: false, problem: NOT_REGULAR };
    const { buffer, bytesRead } = await readCapped(handle, size, limits.maxBytes);
    if (bytesRead > limits.maxBytes) return { ok: false, problem: tooLarge(null, limits.maxBytes) };
    return { ok: true, bytes: buffer.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

/** Strictly decoded UTF-8 text of a regular file, at most maxBytes. */
export async function readBoundedText(file: string, limits: ReadLimits): Promise<TextRead> {
  const read = await readBoundedBytes(file, limits);
  if (!read.ok) return read;
  const decoded = decodeUtf8(read.bytes);
  if (!decoded.ok) {
    return {
      ok: false,
      problem: {
        kind: "not-utf8",
        message: "is not valid UTF-8",
        line: decoded.line,
        col: decoded.col,
      },
    };
  }
  return { ok: true, text: decoded.text };
}

/** A repository file's bytes: resolved inside `root`, then read bounded. */
export async function readRepoBytes(
  root: string,
  rel: string,
  limits: ReadLimits,
): Promise<BytesRead> {
  const resolved = await resolveInside(root, rel);
  return resolved.ok ? readBoundedBytes(resolved.real, limits) : resolved;
}

/** A repository file's text: resolved inside `root`, read bounded, valid UTF-8. */
export async function readRepoText(
  root: string,
  rel: string,
  limits: ReadLimits,
): Promise<TextRead> {
  const resolved = await resolveInside(root, rel);
  return resolved.ok ? readBoundedText(resolved.real, limits) : resolved;
}

/**
 * Reads at most maxBytes + 1 bytes. The buffer is sized from stat's answer plus one byte;
 * only a file that grew since then pays for the full cap.
 */
async function readCapped(
  handle: FileHandle,
  statSize: number,
  maxBytes: number,
): Promise<{ buffer: Buffer; bytesRead: number }> {
  const guess = Buffer.allocUnsafe(Math.min(statSize, maxBytes) + 1);
  const first = await fill(handle, guess);
  if (first <= statSize) return { buffer: guess, bytesRead: first };
  const buffer = Buffer.allocUnsafe(maxBytes + 1);
  return { buffer, bytesRead: await fill(handle, buffer) };
}

/** Reads from the start until the buffer is full or the file ends. */
async function fill(handle: FileHandle, buffer: Buffer): Promise<number> {
  let total = 0;
  while (total < buffer.length) {
    const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total;
}
