/**
 * Where state lives — a directory (one machine's disk) or `s3://bucket/prefix`
 * (shared by runners, replicas and reruns) — and the few operations its users
 * need of it, with the same meaning on both:
 *  - `write` replaces an object atomically (readers see the old or the new);
 *  - `createExclusive` creates one only if it does not exist yet;
 *  - `append` adds to an append-only log, durable when it resolves;
 *  - every write is durable when its promise resolves.
 * Keys are relative, `/`-separated (`journals/<digest>.open`).
 * The bucket's store is s3-store.ts, loaded only for an S3 location. The lock
 * and the audit log need ETags and Object Lock: they use S3 directly
 * (s3-lock.ts, s3-audit.ts), beside their local counterparts.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { createFileExclusive, writeFileAtomic } from "../core/atomic-write.js";
import { badInput, SnapgateError } from "../core/errors.js";
import type { S3ClientOptions } from "./s3-client.js";
import type { S3StateStore } from "./s3-store.js";

export type StateLocation =
  | { kind: "dir"; dir: string }
  | { kind: "s3"; bucket: string; prefix: string };

/** The directory, or `s3://bucket/prefix` (no trailing slash). */
export function formatStateLocation(loc: StateLocation): string {
  if (loc.kind === "dir") return loc.dir;
  return `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ""}`;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `--state` / `SNAPGATE_STATE`: `s3://bucket[/prefix]`, else a directory
 * (resolved against the working directory). `origin` names where the value
 * came from, for the error.
 */
export function parseStateLocation(input: string, origin = "--state"): StateLocation {
  const fail = (message: string) => badInput([{ file: origin, message }]);
  const value = input.trim();
  if (value === "")
    throw fail("the state location is empty: give a directory or s3://bucket/prefix");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1];
  if (scheme === undefined) return { kind: "dir", dir: path.resolve(value) };
  if (scheme !== "s3") {
    throw fail(
      `${JSON.stringify(value)}: unsupported scheme ${scheme}:// (state is a directory or s3://bucket/prefix)`,
    );
  }
  const rest = value.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const rawPrefix = slash < 0 ? "" : rest.slice(slash + 1);
  if (bucket === "") throw fail(`${JSON.stringify(value)}: no bucket name after s3://`);
  if (!BUCKET.test(bucket) || bucket.includes("..") || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw fail(
      `${JSON.stringify(value)}: ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit)`,
    );
  }
  const prefix = rawPrefix.replace(/\/+$/, "");
  const segments = prefix === "" ? [] : prefix.split("/");
  const bad = segments.find((s) => s === "" || s === "." || s === "..");
  if (bad !== undefined) {
    throw fail(
      `${JSON.stringify(value)}: the prefix ${JSON.stringify(prefix)} has an empty, "." or ".." segment`,
    );
  }
  if (/[\u0000-\u001f\u007f\\]/.test(prefix)) {
    throw fail(`${JSON.stringify(value)}: the prefix has a control character or a backslash`);
  }
  return { kind: "s3", bucket, prefix };
}

export interface StateStore {
  readonly location: StateLocation;
  /** the location as the user wrote it, for messages */
  readonly label: string;
  /** the object's content, or null when there is none */
  read(key: string): Promise<string | null>;
  /** replaces (or creates) atomically; durable when it resolves */
  write(key: string, body: string): Promise<void>;
  /** creates only when absent; false when the key exists already */
  createExclusive(key: string, body: string): Promise<boolean>;
  /** appends to the log at `key`; durable when it resolves. Appends to one key must not overlap. */
  append(key: string, text: string): Promise<void>;
  /** the whole log at `key` in append order ("" when none) */
  readLog(key: string): Promise<string>;
  /** removes the object (no error when it is absent) */
  remove(key: string): Promise<void>;
  /** keys of the objects directly under `dir` (e.g. "journals"), relative to the store, sorted */
  list(dir: string): Promise<string[]>;
}

/** Today's state directory. */
export class DirStateStore implements StateStore {
  readonly location: StateLocation;
  readonly label: string;

  constructor(readonly dir: string) {
    this.location = { kind: "dir", dir };
    this.label = dir;
  }

  private file(key: string): string {
    return path.join(this.dir, ...key.split("/"));
  }

  async read(key: string): Promise<string | null> {
    try {
      return await readFile(this.file(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
  }

  async write(key: string, body: string): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, body, 0o600);
  }

  async createExclusive(key: string, body: string): Promise<boolean> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    return createFileExclusive(file, body, { mode: 0o600, durable: true });
  }

  async append(key: string, text: string): Promise<void> {
    const file = this.file(key);
    await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(file, "a", 0o600);
    try {
      await fh.write(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  async readLog(key: string): Promise<string> {
    const text = (await this.read(key)) ?? "";
    // A torn last line (a crash mid-append) was never acknowledged: it is not part of the log.
    return text.endsWith("\n") || text === "" ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  async list(dir: string): Promise<string[]> {
    const entries = await readdir(this.file(dir), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith(".tmp"))
      .map((e) => joinKey(dir, e.name))
      .sort();
  }
}

/** `prefix/key` without doubled or leading slashes. */
export function joinKey(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}/${key}`;
}

/** Digits in the key of an appended part: sorts as a number, never runs out. */
export const SEQ_DIGITS = 12;

export function seqKey(n: number): string {
  return String(n).padStart(SEQ_DIGITS, "0");
}

export async function openStateStore(
  loc: StateLocation,
  s3: S3ClientOptions = {},
): Promise<StateStore> {
  if (loc.kind === "dir") return new DirStateStore(loc.dir);
  // loaded only here: a command with its state in a directory never loads the S3 client
  const { openS3StateStore } = await import("./s3-store.js");
  return openS3StateStore(loc, s3);
}

/** The store is in a bucket: the lock, journal and audit log then use their S3 forms. */
export function isS3Store(store: StateStore): store is S3StateStore {
  return store.location.kind === "s3";
}

/** A state operation that failed, naming the location and what S3 (or the OS) said. */
export function stateError(label: string, what: string, err: unknown): SnapgateError {
  if (err instanceof SnapgateError) return err;
  return new SnapgateError(
    "StateFailed",
    `state ${label}: ${what}: ${describeS3Error(err)}`,
    [],
    err,
  );
}

export function describeS3Error(err: unknown): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? "Error";
  const msg =
    e?.message && e.message !== name && e.message !== "UnknownError" ? `: ${e.message}` : "";
  return `${name}${status ? ` (HTTP ${status})` : ""}${msg}`;
}

export interface StateStoreCheck {
  location: string;
  /** S3 only: the bucket's default Object Lock retention, null when it has none */
  objectLock?: { mode: string; days?: number; years?: number } | { enabled: true } | null;
}

/**
 * Before anything touches Lightsail: the location can be used. For S3 the
 * bucket must answer, accept these credentials and keep versions (a
 * versioned bucket keeps what an overwrite or a delete replaced).
 */
export async function checkStateStore(store: StateStore): Promise<StateStoreCheck> {
  if (!isS3Store(store)) {
    const dir = (store.location as { dir: string }).dir;
    try {
      await mkdir(dir, { recursive: true });
      const probe = `.probe-${randomUUID()}`;
      await store.write(probe, "");
      await store.remove(probe);
    } catch (err) {
      throw new SnapgateError(
        "StateFailed",
        `state ${store.label}: the directory cannot be written: ${(err as Error).message}`,
        [],
        err,
      );
    }
    return { location: store.label };
  }
  const { checkS3StateStore } = await import("./s3-store.js");
  return checkS3StateStore(store);
}
