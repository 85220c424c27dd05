import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The nearest directory at or above `moduleUrl`'s holding a package.json. A fixed `../..`
 * would differ between src/, tsc's dist/ tree and the one-file CLI bundle at dist/cli/main.js.
 */
export function packageRootFrom(moduleUrl: string): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json at or above ${fileURLToPath(moduleUrl)}`);
    dir = parent;
  }
}

/** The snapgate package root (package.json, policies/bundle). */
export const PACKAGE_ROOT: string = packageRootFrom(import.meta.url);
