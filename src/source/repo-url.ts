/**
 * What `--repo` names, in a form git accepts, and how to talk about it without
 * leaking credentials. Pure functions: no I/O beyond `path.resolve`.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { SnapgateError } from "../core/errors.js";

const SCHEME_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme://` followed by an authority that carries userinfo (`...@`), up to the last `@` before the path. */
const USERINFO_IN_URL = /([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;
/**
 * A query parameter whose name says it carries a secret (`?private_token=`, `?access_token=`,
 * `&token=`, `?key=`, `?sig=`…), up to its value's end.
 */
const SECRET_QUERY =
  /([?&;](?:[^=&#;\s]*(?:token|secret|passw(?:or)?d|pwd|key|auth|sig|signature|credential)[^=&#;\s]*)=)([^&#;\s]*)/gi;

/** True for `scheme://…` URLs and scp-like `[user@]host:path` (git's rule: a colon before any slash). */
export function isRemoteUrl(repo: string): boolean {
  if (SCHEME_URL.test(repo)) return true;
  if (WINDOWS_DRIVE.test(repo)) return false;
  const colon = repo.indexOf(":");
  const slash = repo.indexOf("/");
  return colon > 0 && (slash === -1 || colon < slash);
}

/**
 * Local paths become absolute; URLs are kept as given. Refuses values git would
 * read as an option or that cannot be a location at all.
 */
export function normaliseRepo(repo: string): string {
  const trimmed = repo.trim();
  if (trimmed === "") throw sourceInputError("--repo is empty");
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw sourceInputError(
      `${redactUrl(trimmed)}: repository location contains control characters`,
    );
  }
  if (trimmed.startsWith("-")) {
    throw sourceInputError(`${redactUrl(trimmed)}: repository location must not start with "-"`);
  }
  // `ext::<command>` runs a command named by the URL itself; `fd::` talks to inherited fds.
  if (/^(ext|fd)::/i.test(trimmed)) {
    throw sourceInputError(
      `${redactUrl(trimmed)}: the ext:: and fd:: git transports are not allowed`,
    );
  }
  return isRemoteUrl(trimmed) ? trimmed : resolve(trimmed);
}

/**
 * `https://user:token@host/x` → `https://***@host/x`, and `…/x.git?private_token=abc` →
 * `…/x.git?private_token=***`. Leaves other text untouched.
 */
export function redactUrl(url: string): string {
  return url.replace(USERINFO_IN_URL, "$1***@").replace(SECRET_QUERY, "$1***");
}

/**
 * A redactor for one repository: removes userinfo from any URL in the text and,
 * in case git printed them on their own, the literal user and password (raw and
 * percent-decoded) from that repository's URL.
 */
export function redactorFor(repo: string): (text: string) => string {
  const secrets = userinfoSecrets(repo);
  return (text) => {
    let out = redactUrl(text);
    for (const secret of secrets) out = out.split(secret).join("***");
    return out;
  };
}

function userinfoSecrets(repo: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#\s]*)@/i.exec(repo);
  const userinfo = match?.[1];
  // the values of secret query parameters, in case git prints them on their own
  const query = [...repo.matchAll(SECRET_QUERY)]
    .map((m) => m[2] ?? "")
    .filter((v) => v.length >= 4);
  if (!userinfo) return withDecoded(query);
  const colon = userinfo.indexOf(":");
  // `user:password` → the password; a lone user part is a secret only when it is
  // long enough to be a token (`https://<token>@host`), not a name like `git`.
  const raw = colon >= 0 ? [userinfo.slice(colon + 1)] : userinfo.length >= 8 ? [userinfo] : [];
  return withDecoded([...raw, ...query]);
}

function withDecoded(raw: string[]): string[] {
  const all = raw.flatMap((s) => [s, safeDecode(s)]).filter((s) => s.length > 0);
  return [...new Set(all)].sort((a, b) => b.length - a.length);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Directory name of a repository's cache entry: the credentials do not change the repo. */
export function cacheKeyFor(normalisedRepo: string): string {
  return createHash("sha256").update(redactUrl(normalisedRepo)).digest("hex").slice(0, 32);
}

function sourceInputError(message: string): SnapgateError {
  return new SnapgateError("SourceFailed", message);
}
