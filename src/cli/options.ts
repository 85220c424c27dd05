/** Flags shared by several commands, and their environment fallbacks. */

import { type Command, InvalidArgumentError } from "commander";
import { SnapgateError } from "../core/errors.js";
import { cacheDirFor, defaultCacheDir, defaultStateDir } from "../source/paths.js";

export { cacheDirFor, defaultCacheDir, defaultStateDir };

export function withLightsailOptions(cmd: Command): Command {
  return cmd.option(
    "--endpoint-url <url>",
    "Lightsail endpoint (default: AWS_ENDPOINT_URL_LIGHTSAIL, AWS_ENDPOINT_URL, or AWS)",
    (value: string) => {
      const problem = endpointProblem(value);
      if (problem) throw new InvalidArgumentError(problem);
      return value;
    },
  );
}

/**
 * Why `value` cannot be an endpoint URL, or undefined when it can. `127.0.0.1:4566` is not a
 * URL at all, and `localhost:4566` is one with the scheme "localhost:": both need `http://`.
 */
export function endpointProblem(value: string): string | undefined {
  const hint = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? "" : `, e.g. http://${value}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL: an endpoint needs a scheme and a host${hint}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `"${value}" is not an http(s) URL: an endpoint needs the scheme http:// or https://${hint}`;
  if (url.hostname === "") return `"${value}" has no host`;
  return undefined;
}

/** The SDK's endpoint variables snapgate's clients read (Lightsail, STS, S3). */
export const ENDPOINT_ENV = [
  "AWS_ENDPOINT_URL",
  "AWS_ENDPOINT_URL_LIGHTSAIL",
  "AWS_ENDPOINT_URL_STS",
  "AWS_ENDPOINT_URL_S3",
] as const;

/** Refuses, naming the variable, an endpoint variable that is set but not an http(s) URL. */
export function checkEndpointEnv(env: NodeJS.ProcessEnv): void {
  for (const name of ENDPOINT_ENV) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    const problem = endpointProblem(value);
    if (problem) throw new SnapgateError("BadInput", `${name}: ${problem}`);
  }
}

/** --state and its alias --state-dir: where the lock, journals and audit log live. */
export function withStateLocation(cmd: Command): Command {
  return cmd
    .option("--state <location>", "state directory or s3://bucket/prefix (env SNAPGATE_STATE)")
    .option("--state-dir <dir>", "state directory (alias of --state; env SNAPGATE_STATE_DIR)");
}

export function withStateOptions(cmd: Command): Command {
  return withStateLocation(cmd).option(
    "--audit-log <file>",
    "audit log file (default: the state location's audit log)",
  );
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
