/** GitHub: `X-Hub-Signature-256: sha256=<64 hex>`, HMAC-SHA256 of the raw body. */
import { assertArguments, matchesAnySecret } from "./hmac.js";

export const GITHUB_SIGNATURE_HEADER = "x-hub-signature-256";

export function verifyGithubSignature(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  assertArguments(secrets, body);
  if (typeof header !== "string" || !header.startsWith("sha256=")) return false;
  return matchesAnySecret(secrets, body, header.slice("sha256=".length));
}
