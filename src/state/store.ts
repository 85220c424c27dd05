/**
 * Where state lives — a directory (one machine's disk) or `s3://bucket/prefix`
 * (shared by runners, replicas and reruns) — and the few operations its users
 * need of it, with the same meaning on both:
 *  - `write` replaces an object atomically (readers see the old or the new);
 *  - `createExclusive` creates one only if it does not exist yet;
 *  - `append` adds to an append-only log, durable when it resolves;
 *  - every write is durable when its promise resolves.
 * Keys are relative, `/`-separated (`journals/<digest>.open`).
 * The lock and the audit log need ETags and Object Lock: they use S3 directly
 * (s3-lock.ts, s3-audit.ts), beside their local counterparts.
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createFileExclusive, writeFileAtomic } from "../core/atomic-write.js";
import { badInput, SnapgateError } from "../core/errors.js";
import {
  contentMd5,
  createS3Client,
  isConditionFailed,
  isNoSuchKey,
  joinKey,
  type S3ClientOptions,
} from "./s3-client.js";

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

/** Digits in the key of an appended part: sorts as a number, never runs out. */
export const SEQ_DIGITS = 12;

export function seqKey(n: number): string {
  return String(n).padStart(SEQ_DIGITS, "0");
}

/**
 * State in a bucket. An append-only log is a series of part objects
 * `<key>/<seq>`, each created with `If-None-Match: *`, so two writers can
 * never overwrite each other's part: the loser lists again and takes the next
 * number.
 */
export class S3StateStore implements StateStore {
  readonly location: StateLocation;
  readonly label: string;
  /** the next part number of each log this process appends to */
  private readonly nextPart = new Map<string, number>();

  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.location = { kind: "s3", bucket, prefix };
    this.label = formatStateLocation(this.location);
  }

  key(key: string): string {
    return joinKey(this.prefix, key);
  }

  async read(key: string): Promise<string | null> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }),
      );
      return (await out.Body?.transformToString("utf8")) ?? "";
    } catch (err) {
      if (isNoSuchKey(err)) return null;
      throw stateError(this.label, `cannot read ${key}`, err);
    }
  }

  async write(key: string, body: string): Promise<void> {
    await this.put(key, body, {});
  }

  async createExclusive(key: string, body: string): Promise<boolean> {
    try {
      await this.put(key, body, { IfNoneMatch: "*" }, true);
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw stateError(this.label, `cannot create ${key}`, err);
    }
  }

  private async put(
    key: string,
    body: string,
    condition: { IfNoneMatch?: string; IfMatch?: string },
    rethrowRaw = false,
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(key),
          Body: body,
          ContentMD5: contentMd5(body),
          ContentType: "application/json",
          ...condition,
        }),
      );
    } catch (err) {
      if (rethrowRaw) throw err;
      throw stateError(this.label, `cannot write ${key}`, err);
    }
  }

  async append(key: string, text: string): Promise<void> {
    let n = this.nextPart.get(key) ?? (await this.lastPart(key)) + 1;
    for (;;) {
      if (await this.createExclusive(`${key}/${seqKey(n)}`, text)) {
        this.nextPart.set(key, n + 1);
        return;
      }
      // Another writer took this number: go on after the last part there is now.
      n = Math.max(n + 1, (await this.lastPart(key)) + 1);
    }
  }

  /** The highest part number of a log, 0 when it has none. */
  private async lastPart(key: string): Promise<number> {
    const parts = await this.parts(key);
    const last = parts[parts.length - 1];
    return last === undefined ? 0 : Number(last.slice(last.lastIndexOf("/") + 1));
  }

  private async parts(key: string): Promise<string[]> {
    return (await this.listKeys(`${key}/`)).filter((k) =>
      new RegExp(`/\\d{${SEQ_DIGITS}}$`).test(k),
    );
  }

  async readLog(key: string): Promise<string> {
    const parts = await this.parts(key);
    const texts = await Promise.all(parts.map((k) => this.read(k)));
    return texts.map((t) => t ?? "").join("");
  }

  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
    } catch (err) {
      if (!isNoSuchKey(err)) throw stateError(this.label, `cannot remove ${key}`, err);
    }
  }

  async list(dir: string): Promise<string[]> {
    return this.listKeys(`${dir.replace(/\/+$/, "")}/`);
  }

  /** Store-relative keys of the objects directly under `relPrefix` (which ends in "/"). */
  private async listKeys(relPrefix: string): Promise<string[]> {
    const full = this.key(relPrefix);
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: full,
            Delimiter: "/",
            ContinuationToken: token,
          }),
        );
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw stateError(this.label, `cannot list ${relPrefix}`, err);
    }
    const strip = this.prefix === "" ? 0 : this.prefix.length + 1;
    return keys.map((k) => k.slice(strip)).sort();
  }
}

export function openStateStore(loc: StateLocation, s3: S3ClientOptions = {}): StateStore {
  return loc.kind === "dir"
    ? new DirStateStore(loc.dir)
    : new S3StateStore(createS3Client(s3), loc.bucket, loc.prefix);
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

function describeS3Error(err: unknown): string {
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

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: string; cause?: unknown; errors?: unknown[] } | undefined; e; ) {
    if (e.code && NETWORK_CODES.has(e.code)) return e.code;
    const inner = e.errors?.find((x) => networkCode(x));
    if (inner) return networkCode(inner);
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * Before anything touches Lightsail: the location can be used. For S3 the
 * bucket must answer, accept these credentials and keep versions (a
 * versioned bucket keeps what an overwrite or a delete replaced).
 */
export async function checkStateStore(store: StateStore): Promise<StateStoreCheck> {
  if (!(store instanceof S3StateStore)) {
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
  const { client, bucket, label } = store;
  const fail = (message: string, err?: unknown) =>
    new SnapgateError("StateFailed", `state ${label}: ${message}`, [], err);
  // GetBucketVersioning rather than HeadBucket: its errors have a body, so a missing bucket
  // and an unknown access key (both 404 on some S3 servers) can be told apart.
  let versioning: string | undefined;
  try {
    versioning = (await client.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
  } catch (err) {
    throw classifyBucketError(err, bucket, fail);
  }
  if (versioning !== "Enabled") {
    throw fail(
      `bucket ${bucket} does not have versioning enabled (it is ${versioning ?? "never enabled"}); state on S3 needs it, so an overwrite or a delete never loses history: aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    );
  }
  return { location: label, objectLock: await objectLockOf(client, bucket) };
}

async function objectLockOf(
  client: S3Client,
  bucket: string,
): Promise<StateStoreCheck["objectLock"]> {
  try {
    const cfg = (await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))
      .ObjectLockConfiguration;
    if (cfg?.ObjectLockEnabled !== "Enabled") return null;
    const d = cfg.Rule?.DefaultRetention;
    if (!d?.Mode) return { enabled: true };
    return {
      mode: d.Mode,
      ...(d.Days ? { days: d.Days } : {}),
      ...(d.Years ? { years: d.Years } : {}),
    };
  } catch {
    // No Object Lock configuration (or no permission to read it): the audit verify warns.
    return null;
  }
}

function classifyBucketError(
  err: unknown,
  bucket: string,
  fail: (m: string, e?: unknown) => SnapgateError,
): SnapgateError {
  const net = networkCode(err);
  if (net)
    return fail(
      `cannot reach the S3 endpoint (${net}); check AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL and the network`,
      err,
    );
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name ?? "";
  if (name === "CredentialsProviderError")
    return fail("no AWS credentials found (environment, profile or instance role)", err);
  const deniedNames = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "Forbidden",
    "XAdminUserNotFound",
    "InvalidToken",
    "ExpiredToken",
  ];
  if (deniedNames.includes(name) || (status === 403 && name !== "NoSuchBucket")) {
    return fail(
      `access denied to bucket ${bucket} (${name || "HTTP 403"}): check the credentials and that their policy allows s3:ListBucket, s3:GetBucketVersioning, s3:GetObject, s3:PutObject and s3:DeleteObject on it`,
      err,
    );
  }
  if (name === "NoSuchBucket" || (status === 404 && (name === "NotFound" || name === "")))
    return fail(`bucket ${bucket} does not exist`, err);
  if (status === 301 || name === "PermanentRedirect")
    return fail(
      `bucket ${bucket} is in another region: set AWS_REGION to the bucket's region`,
      err,
    );
  return fail(`cannot use bucket ${bucket}: ${describeS3Error(err)}`, err);
}
