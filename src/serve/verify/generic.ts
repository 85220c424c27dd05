/** The generic receiver (our own post-receive hook): `X-Signature: sha256=<64 hex>`. */
import { verifySha256Header } from "./hmac.js";

export const GENERIC_SIGNATURE_HEADER = "x-signature";

export function verifyGenericSignature(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  return verifySha256Header(secrets, body, header);
}
