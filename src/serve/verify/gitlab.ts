/**
 * GitLab sends the secret itself in `X-Gitlab-Token` (no HMAC, so the body is
 * not covered — use HTTPS). Both sides are hashed to 32 bytes before the
 * constant-time comparison, so neither the content nor the length of the
 * secret leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { assertArguments } from "./hmac.js";

export const GITLAB_TOKEN_HEADER = "x-gitlab-token";
/** GitLab limits secret tokens to 255 characters; anything longer is not worth hashing. */
const MAX_TOKEN_LENGTH = 1024;

export function verifyGitlabToken(
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
): boolean {
  assertArguments(secrets, body);
  if (typeof header !== "string" || header.length === 0 || header.length > MAX_TOKEN_LENGTH) {
    return false;
  }
  const received = digest(header);
  let ok = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    if (timingSafeEqual(digest(secret), received)) ok = true;
  }
  return ok;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
