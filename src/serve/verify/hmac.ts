/**
 * Shared pieces of webhook verification, octokit/webhooks-methods style:
 * recompute HMAC-SHA256 over the exact raw body bytes, compare digests in
 * constant time, try every configured secret (rotation). Misuse by the caller
 * throws TypeError; anything an attacker controls only ever yields `false`.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const HEX_64 = /^[0-9a-fA-F]{64}$/;

export function assertArguments(secrets: readonly string[], body: Uint8Array): void {
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== "string")) {
    throw new TypeError("[snapgate/verify] secrets must be an array of strings");
  }
  if (!(body instanceof Uint8Array)) {
    throw new TypeError("[snapgate/verify] body must be the raw request bytes (Uint8Array)");
  }
}

/** HMAC-SHA256 of `body` as lowercase hex — what senders put in their headers. */
export function signHex(secret: string, body: Uint8Array | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * True when `hex` (already stripped of any `sha256=` prefix) is the HMAC of
 * `body` under one of `secrets`. The format is checked before any crypto, and
 * both sides are 32-byte digests, so `timingSafeEqual` never sees unequal
 * lengths. Empty secrets never match: an empty key would be a forgeable one.
 */
export function matchesAnySecret(
  secrets: readonly string[],
  body: Uint8Array,
  hex: string,
): boolean {
  if (!HEX_64.test(hex)) return false;
  const received = Buffer.from(hex, "hex");
  let ok = false;
  // Every secret is tried, so the time taken does not reveal which one matched.
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac("sha256", secret).update(body).digest();
    if (expected.length === received.length && timingSafeEqual(expected, received)) ok = true;
  }
  return ok;
}

/** A header value as one string; repeated headers (arrays) are never valid signatures. */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A `sha256=<64 hex>` header (GitHub's and our own receivers'): true when it signs `body`. */
export function verifySha256Header(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  assertArguments(secrets, body);
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  return matchesAnySecret(secrets, body, header.slice("sha256=".length));
}
