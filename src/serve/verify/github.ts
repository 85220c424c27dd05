/** GitHub: `X-Hub-Signature-256: sha256=<64 hex>`, HMAC-SHA256 of the raw body. */
import { verifySha256Header } from "./hmac.js";

export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";

export function verifyGithubSignature(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  return verifySha256Header(secrets, body, header);
}
