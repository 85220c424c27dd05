/** Flags shared by several commands, and their environment fallbacks. */

import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { SnapgateError } from "../core/errors.js";
import { defaultCacheDir, defaultStateDir } from "../source/paths.js";

export { defaultCacheDir, defaultStateDir };

/**
 * The git cache: --cache-dir; else inside the state dir when one was chosen
 * (the state dir holds the git cache); else the user's cache dir.
 */
export function cacheDirFor(flags: { cacheDir?: string; stateDir?: string }): string {
  if (flags.cacheDir) return flags.cacheDir;
  const stateDir = flags.stateDir ?? process.env.SNAPGATE_STATE_DIR;
  return stateDir ? path.join(stateDir, "git") : defaultCacheDir();
}

export function withLightsailOptions(cmd: Command): Command {
  return cmd.option(
    "--endpoint-url <url>",
    "Lightsail endpoint (default: AWS_ENDPOINT_URL_LIGHTSAIL, AWS_ENDPOINT_URL, or AWS)",
  );
}

export function withStateOptions(cmd: Command): Command {
  return cmd
    .option("--state-dir <dir>", "state directory (env SNAPGATE_STATE_DIR)")
    .option("--audit-log <file>", "audit log path (default: <state-dir>/audit.jsonl)");
}

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

export function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${values.join(", ")}`);
    }
    return value as T;
  };
}

/**
 * SNAPGATE_NOW pins the clock (RFC 3339) for reproducible plans and tests. Only
 * a past instant is accepted: a clock in the future would age every snapshot
 * and turn kept ones into deletions (for `serve`, with nobody reviewing).
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

export function clockNow(): number {
  const now = Date.now();
  const pinned = process.env.SNAPGATE_NOW;
  if (!pinned) return now;
  const ms = RFC3339.test(pinned) ? Date.parse(pinned) : Number.NaN;
  if (!Number.isFinite(ms)) {
    // never ignored: a typo would silently plan with the real clock instead of the pinned one
    throw new SnapgateError(
      "BadInput",
      `SNAPGATE_NOW (${JSON.stringify(pinned)}) is not an RFC 3339 instant such as 2026-11-01T00:00:00Z`,
    );
  }
  if (ms > now) {
    throw new SnapgateError(
      "BadInput",
      `SNAPGATE_NOW (${pinned}) is later than the system clock (${new Date(now).toISOString()}); refusing to plan with a clock in the future`,
    );
  }
  return ms;
}
