/**
 * Default locations on disk. The git cache is disposable (XDG cache); the state
 * dir holds what must survive (audit log, journals, locks).
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";

/** `$XDG_CACHE_HOME/snapgate/git`, else `~/.cache/snapgate/git`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec says relative values are invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  return join(base, "snapgate", "git");
}

/** `$SNAPGATE_STATE_DIR`, else `~/.local/state/snapgate`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.SNAPGATE_STATE_DIR;
  return dir ? dir : join(homedir(), ".local", "state", "snapgate");
}

/**
 * The git cache: --cache-dir; else inside the state directory when one was
 * chosen (--state, --state-dir, SNAPGATE_STATE, SNAPGATE_STATE_DIR); else the
 * user's cache dir. State on S3 leaves the cache local: it is only a cache.
 */
export function cacheDirFor(flags: {
  cacheDir?: string;
  state?: string;
  stateDir?: string;
}): string {
  if (flags.cacheDir) return flags.cacheDir;
  const chosen = (
    flags.state ??
    flags.stateDir ??
    process.env.SNAPGATE_STATE ??
    process.env.SNAPGATE_STATE_DIR
  )?.trim();
  const isUrl = chosen !== undefined && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(chosen);
  return chosen && !isUrl ? join(chosen, "git") : defaultCacheDir();
}
