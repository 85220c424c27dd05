/** Gitea / Forgejo: `X-Gitea-Signature: <64 hex>` (no prefix), HMAC-SHA256 of the raw body. */
import { assertArguments, matchesAnySecret } from "./hmac.js";

export const GITEA_SIGNATURE_HEADER = "x-gitea-signature";

export function verifyGiteaSignature(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  assertArguments(secrets, body);
  if (typeof header !== "string") return false;
  return matchesAnySecret(secrets, body, header);
}
