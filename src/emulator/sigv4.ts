/**
 * SigV4 verification by recomputation: the received request (method, path,
 * query, the headers named in SignedHeaders, body) is signed again with the
 * principal's secret using @smithy/signature-v4, and the signatures compared.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { LightsailError } from "./protocol.js";

/** A URL's query as SigV4 canonicalises it: a repeated key keeps every value, in order. */
export function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return query;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Why a signature was refused: each protocol names the failure its own way (STS: error codes). */
export type SigV4FailureReason = "missing" | "malformed" | "unknown-key" | "mismatch";

/** A Lightsail UnauthenticatedException that also says why, for protocols with finer error codes. */
export class SigV4Rejection extends LightsailError {
  constructor(
    readonly reason: SigV4FailureReason,
    message: string,
  ) {
    super("UnauthenticatedException", message);
  }
}

const unauthenticated = (message: string, reason: SigV4FailureReason = "mismatch") =>
  new SigV4Rejection(reason, message);

export class SigV4Verifier {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(
    private readonly secretOf: (accessKeyId: string) => string | undefined,
    private readonly maxSkewMs = 15 * 60_000,
  ) {}

  /** `expectedService`: the signing name of the service the request is for (`lightsail`, `sts`). */
  async verify(
    req: ReceivedRequest,
    nowMs: number,
    expectedService = "lightsail",
  ): Promise<VerifiedCaller> {
    const auth = header(req.headers, "authorization");
    if (auth === undefined) throw unauthenticated("Missing Authentication Token", "missing");
    const m = AUTH_PATTERN.exec(auth.trim());
    if (!m)
      throw unauthenticated("The Authorization header is not a valid SigV4 header.", "malformed");
    const [, accessKeyId, scopeDate, region, service, signedList, signature] =
      m as unknown as string[];
    if (service !== expectedService)
      throw unauthenticated(
        `Credential should be scoped to service '${expectedService}', not '${service}'.`,
      );
    const secret = this.secretOf(accessKeyId as string);
    if (secret === undefined) {
      throw unauthenticated(
        "The security token included in the request is invalid.",
        "unknown-key",
      );
    }
    const amzDate = header(req.headers, "x-amz-date");
    const d = amzDate === undefined ? null : AMZ_DATE.exec(amzDate);
    if (!d || amzDate?.slice(0, 8) !== scopeDate)
      throw unauthenticated("X-Amz-Date is missing or does not match the credential scope.");
    const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
    if (Math.abs(nowMs - signingDate.getTime()) > this.maxSkewMs)
      throw unauthenticated("Signature expired.");

    const signedHeaders = (signedList as string).split(";");
    if (!signedHeaders.includes("host"))
      throw unauthenticated("The host header must be signed.", "malformed");
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = header(req.headers, name);
      if (value === undefined) throw unauthenticated(`Signed header '${name}' is missing.`);
      headers[name] = value;
    }
    const declaredHash = headers["x-amz-content-sha256"];
    if (
      declaredHash !== undefined &&
      declaredHash !== createHash("sha256").update(req.body).digest("hex")
    ) {
      throw unauthenticated("The x-amz-content-sha256 header does not match the body.");
    }

    const resigned = await this.signer(accessKeyId as string, secret, service as string).sign(
      {
        method: req.method,
        protocol: "http:",
        hostname: headers.host ?? "",
        path: req.path,
        query: req.query,
        headers,
        body: req.body,
      },
      {
        signingDate,
        signingRegion: region,
        signingService: service,
        signableHeaders: new Set(signedHeaders),
      },
    );
    const expected =
      /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization ?? ""))?.[1] ?? "";
    const sameHeaders =
      /SignedHeaders=([^,]+)/.exec(String(resigned.headers.authorization ?? ""))?.[1] ===
      signedList;
    if (!sameHeaders || !safeEqual(expected, signature as string)) {
      throw unauthenticated(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
      );
    }
    return { accessKeyId: accessKeyId as string, region: region as string };
  }

  private signer(accessKeyId: string, secretAccessKey: string, service: string): SignatureV4 {
    const key = `${accessKeyId}\u0000${secretAccessKey}\u0000${service}`;
    let signer = this.signers.get(key);
    if (!signer) {
      signer = new SignatureV4({
        credentials: { accessKeyId, secretAccessKey },
        region: "us-east-1",
        service,
        sha256: Sha256,
        applyChecksum: false,
      });
      this.signers.set(key, signer);
    }
    return signer;
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(",") : v;
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}
