/**
 * Does a repository URL from a webhook payload name the configured `--repo`?
 * Both sides are reduced to a key: credentials, scheme, port, a trailing slash
 * and a `.git` suffix are dropped, so `https://github.com/org/app`,
 * `git@github.com:org/app.git` and `ssh://git@github.com/org/app` match. Local
 * paths (and file:// URLs) compare as absolute paths. Pure apart from
 * `path.resolve` (the working directory).
 *
 * Remote keys are compared case-insensitively. A false match only costs a
 * reconcile (which re-resolves the configured repo itself); a false mismatch
 * would silently drop a push, so the comparison leans lenient.
 */
import { resolve } from "node:path";

const SCHEME_URL = /^([a-z][a-z0-9+.-]*):\/\//i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

export function sameRepository(a: string, b: string): boolean {
  const ka = repositoryKey(a);
  const kb = repositoryKey(b);
  return ka !== undefined && ka === kb;
}

/** `remote:<host>/<path>` or `local:<absolute path>`; undefined for text that names nothing. */
export function repositoryKey(location: string): string | undefined {
  const text = location.trim();
  if (text === "" || /[\u0000-\u001f\u007f]/.test(text)) return undefined;
  const scheme = SCHEME_URL.exec(text)?.[1]?.toLowerCase();
  if (scheme === "file") return localKey(fileUrlPath(text));
  if (scheme !== undefined) return urlKey(text);
  const scp = scpLike(text);
  if (scp) return remoteKey(scp.host, scp.path);
  return localKey(resolve(text));
}

function urlKey(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.hostname === "") return undefined;
  return remoteKey(url.hostname, safeDecode(url.pathname));
}

/** git's scp-like syntax `[user@]host:path`: a colon before any slash. */
function scpLike(text: string): { host: string; path: string } | undefined {
  if (WINDOWS_DRIVE.test(text)) return undefined;
  const colon = text.indexOf(":");
  const slash = text.indexOf("/");
  if (colon <= 0 || (slash !== -1 && slash < colon)) return undefined;
  const authority = text.slice(0, colon);
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return host === "" ? undefined : { host, path: text.slice(colon + 1) };
}

function remoteKey(host: string, path: string): string {
  const trimmedHost = host.toLowerCase().replace(/^\[|\]$/g, "");
  const cleanPath = stripSuffixes(`/${path.replace(/^\/+/, "")}`).toLowerCase();
  return `remote:${trimmedHost}${cleanPath}`;
}

function localKey(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return `local:${stripSuffixes(resolve(path))}`;
}

/** Drop trailing slashes, then `/.git` (a work tree's git dir) or `.git` (a bare repo's name). */
function stripSuffixes(path: string): string {
  let out = path.replace(/\/+$/, "");
  if (out.endsWith("/.git")) out = out.slice(0, -"/.git".length);
  else if (out.endsWith(".git")) out = out.slice(0, -".git".length);
  return out.replace(/\/+$/, "") || "/";
}

function fileUrlPath(text: string): string | undefined {
  try {
    return safeDecode(new URL(text).pathname);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
