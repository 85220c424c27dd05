/**
 * Shared pieces of webhook verification, octokit/webhooks-methods style:
 * recompute HMAC-SHA256 over the exact raw body bytes, compare digests in
 * constant time, try every configured secret (rotation). The primitive lives
 * in core/hmac.ts, shared with the signing of outgoing notifications. Misuse
 * by the caller throws TypeError; anything an attacker controls only ever
 * yields `false`.
 */
import { matchesAnySecret, signHex } from "../../core/hmac.js";

export { matchesAnySecret, signHex };

export function assertArguments(secrets: readonly string[], body: Uint8Array): void {
  if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== "string")) {
    throw new TypeError("[snapgate/verify] secrets must be an array of strings");
  }
  if (!(body instanceof Uint8Array)) {
    throw new TypeError("[snapgate/verify] body must be the raw request bytes (Uint8Array)");
  }
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
