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
