/**
 * Credential failures, told once with what to do about them. Without this every
 * region reports the SDK's own message (`CredentialsProviderError: Could not load
 * credentials from any providers`), which names neither the chain nor a fix.
 */
import { SnapgateError } from "../core/errors.js";

/** Where the AWS SDK looks for credentials, in order (its default provider chain). */
export const CREDENTIAL_CHAIN =
  "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws/{config,credentials} (SSO, assume-role, credential_process), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), then container and instance metadata";

const FIXES =
  "set AWS_PROFILE=<profile> (and run `aws sso login --profile <profile>` for an SSO profile), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys); `aws sts get-caller-identity` shows which identity the chain finds";

/** The service answers for credentials it does not accept (Lightsail, STS). */
const REJECTED = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "UnauthenticatedException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidSignatureException",
]);

/** Failures of the SDK's credential providers (no credentials found, SSO token expired …). */
const NOT_FOUND = new Set(["CredentialsProviderError", "TokenProviderError"]);

/**
 * A SnapgateError naming the chain and the usual fixes when `err` is a credential
 * failure; undefined for any other error. `doing` says what needed them.
 */
export function credentialsError(err: unknown, doing: string): SnapgateError | undefined {
  const e = (err ?? {}) as { name?: string; message?: string };
  const name = e.name ?? "";
  const message = e.message ?? String(err);
  if (NOT_FOUND.has(name) || /could not load credentials/i.test(message)) {
    return new SnapgateError(
      "LightsailFailed",
      `no usable AWS credentials for ${doing} (${name || "Error"}: ${message}).\n  The SDK looked in: ${CREDENTIAL_CHAIN}.\n  Fix: ${FIXES}.`,
      [],
      err,
    );
  }
  if (REJECTED.has(name)) {
    return new SnapgateError(
      "LightsailFailed",
      `AWS rejected the credentials for ${doing} (${name}: ${message}).\n  They came from the SDK's chain: ${CREDENTIAL_CHAIN}.\n  Fix: ${FIXES}; expired SSO or session credentials need a fresh login.`,
      [],
      err,
    );
  }
  return undefined;
}
