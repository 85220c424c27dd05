/**
 * State in a bucket: the store of `s3://bucket/prefix` and the check that the bucket can hold
 * it. Apart from store.ts so that a command whose state is a directory never loads the S3
 * client, a good part of its start-up; store.ts imports this module only for an S3 location.
 */
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { SnapgateError } from "../core/errors.js";
import {
  contentMd5,
  createS3Client,
  isConditionFailed,
  isNoSuchKey,
  type S3ClientOptions,
} from "./s3-client.js";
import {
  describeS3Error,
  formatStateLocation,
  joinKey,
  SEQ_DIGITS,
  type StateLocation,
  type StateStore,
  type StateStoreCheck,
  seqKey,
  stateError,
} from "./store.js";

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

export function openS3StateStore(
  loc: Extract<StateLocation, { kind: "s3" }>,
  s3: S3ClientOptions = {},
): S3StateStore {
  return new S3StateStore(createS3Client(s3), loc.bucket, loc.prefix);
}

/** The bucket answers, accepts these credentials and keeps versions (see checkStateStore). */
export async function checkS3StateStore(store: S3StateStore): Promise<StateStoreCheck> {
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
