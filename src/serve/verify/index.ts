/** One verifier per receiver, all with the same shape: (secrets, raw body, header) → boolean. */
import type { Receiver } from "../../reconcile/types.js";
import { GENERIC_SIGNATURE_HEADER, verifyGenericSignature } from "./generic.js";
import { GITEA_SIGNATURE_HEADER, verifyGiteaSignature } from "./gitea.js";
import { GITHUB_SIGNATURE_HEADER, verifyGithubSignature } from "./github.js";
import { GITLAB_TOKEN_HEADER, verifyGitlabToken } from "./gitlab.js";
import { singleHeader } from "./hmac.js";

export { signHex } from "./hmac.js";
export { verifyGenericSignature, verifyGiteaSignature, verifyGithubSignature, verifyGitlabToken };

export type Verifier = (
  secrets: readonly string[],
  body: Uint8Array,
  header: string | undefined,
) => boolean;

const VERIFIERS: Record<Receiver, { header: string; verify: Verifier }> = {
  github: { header: GITHUB_SIGNATURE_HEADER, verify: verifyGithubSignature },
  gitlab: { header: GITLAB_TOKEN_HEADER, verify: verifyGitlabToken },
  gitea: { header: GITEA_SIGNATURE_HEADER, verify: verifyGiteaSignature },
  generic: { header: GENERIC_SIGNATURE_HEADER, verify: verifyGenericSignature },
};

/** Verify a request for `receiver` from its (Node-style, lowercase) headers. */
export function verifyRequest(
  receiver: Receiver,
  secrets: readonly string[],
  body: Uint8Array,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  const { header, verify } = VERIFIERS[receiver];
  return verify(secrets, body, singleHeader(headers[header]));
}
