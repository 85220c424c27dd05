/**
 * The S3 client of state on S3, following the AWS SDK conventions: the
 * default credential chain and region, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
 * (path-style addressing when a custom endpoint is set, as S3-compatible
 * servers expect). Also the few S3 facts the state modules share: how a
 * failed condition, a missing key and the server's clock look.
 */
import { createHash } from "node:crypto";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export interface S3ClientOptions {
  /** overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL */
  endpoint?: string;
  region?: string;
  maxAttempts?: number;
  /** explicit credentials (tests); otherwise the default chain */
  credentials?: S3ClientConfig["credentials"];
}

export function customS3Endpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

export function createS3Client(opts: S3ClientOptions = {}): S3Client {
  const endpoint = opts.endpoint ?? customS3Endpoint();
  // The region comes from the chain (AWS_REGION, the profile); a custom endpoint needs none,
  // but the SDK refuses to sign without one.
  const region =
    opts.region ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    (endpoint ? "us-east-1" : undefined);
  const client = new S3Client({
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    retryMode: "standard",
  });
  recordServerDate(client);
  return client;
}

const serverDates = new WeakMap<object, number>();

/**
 * Remembers the `Date` header of every response (errors included): leases are
 * judged by the server's clock, never the local one. Added inside the
 * deserializer so that it sees error responses too.
 */
function recordServerDate(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers?: Record<string, string> } | undefined)?.headers;
      const date = headers?.date ?? headers?.Date;
      const ms = date ? Date.parse(date) : Number.NaN;
      if (Number.isFinite(ms)) serverDates.set(client, ms);
      return out;
    },
    { step: "deserialize", priority: "low", name: "snapgateServerDate" },
  );
}

/** The server's clock as of its latest response, in ms (undefined before any response). */
export function lastServerDate(client: S3Client): number | undefined {
  return serverDates.get(client);
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function nameOf(err: unknown): string {
  return String((err as { name?: string; Code?: string })?.name ?? "");
}

/** An If-Match / If-None-Match that did not hold (412), or a conflicting conditional write (409). */
export function isConditionFailed(err: unknown): boolean {
  const s = statusOf(err);
  return s === 412 || s === 409 || nameOf(err) === "PreconditionFailed";
}

export function isNoSuchKey(err: unknown): boolean {
  const n = nameOf(err);
  return n === "NoSuchKey" || n === "NotFound" || (statusOf(err) === 404 && n !== "NoSuchBucket");
}

/** Object Lock PUTs must carry a checksum; Content-MD5 is the one every S3 accepts. */
export function contentMd5(body: string | Uint8Array): string {
  return createHash("md5").update(body).digest("base64");
}
