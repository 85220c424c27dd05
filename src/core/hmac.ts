/**
 * HMAC-SHA256 over raw bytes, the one signing scheme snapgate uses both ways:
 * its receivers verify `sha256=<hex>` headers with it (serve/verify), and its
 * outgoing webhook notifications are signed with it (notify). Comparison is in
 * constant time and every configured secret is tried (rotation).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const HEX_64 = /^[0-9a-fA-F]{64}$/;

/** HMAC-SHA256 of `body` as lowercase hex — what senders put in their headers. */
export function signHex(secret: string, body: Uint8Array | string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** The header value snapgate sends and accepts: `sha256=<64 hex>`. */
export function signatureHeader(secret: string, body: Uint8Array | string): string {
  return `sha256=${signHex(secret, body)}`;
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
