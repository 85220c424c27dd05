/** The generic receiver (our own post-receive hook): `X-Signature: sha256=<64 hex>`. */
import { assertArguments, matchesAnySecret } from "./hmac.js";

export const GENERIC_SIGNATURE_HEADER = "x-signature";

export function verifyGenericSignature(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  assertArguments(secrets, body);
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  return matchesAnySecret(secrets, body, header.slice("sha256=".length));
}
