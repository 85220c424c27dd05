import { isSnapgateError, messageOf } from "../core/errors.js";
import { printableLines } from "../core/printable.js";

/** Exit codes, as the README's command table documents them. */
export const EXIT = {
  ok: 0,
  error: 1,
  /** plan --detailed-exitcode: deletions pending */
  pending: 2,
  /** audit: not compliant */
  notCompliant: 4,
  /** apply: finished with items failed or skipped */
  partial: 5,
  /** apply stopped by SIGINT (128 + 2, as a shell reports it) */
  interrupted: 130,
  /** apply stopped by SIGTERM (128 + 15) */
  terminated: 143,
} as const;

/** The one place an error becomes a message on stderr and an exit code. */
export function reportFatal(err: unknown): number {
  const text = isSnapgateError(err)
    ? err.describe()
    : (environmentProblem(err) ?? `internal error: ${messageOf(err)}`);
  // messages quote repository content (keys, names, policy output): no raw control characters
  process.stderr.write(`snapgate: ${printableLines(text)}\n`);
  if (!isSnapgateError(err) && process.env.SNAPGATE_DEBUG && err instanceof Error) {
    process.stderr.write(`${err.stack}\n`);
  }
  return EXIT.error;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * A failure of the machine around snapgate (a state directory that cannot be made, an endpoint
 * that drops the connection), said as such: it is not a bug in snapgate, and the operator can
 * fix it. Null for anything else.
 */
export function environmentProblem(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException & { $metadata?: unknown };
  if (e.code && NETWORK_CODES.has(e.code)) return `network error: ${e.message}`;
  if (e.name === "TimeoutError" || e.$metadata !== undefined || /socket hang up/.test(e.message)) {
    return `the endpoint failed: ${e.name}: ${e.message}`;
  }
  if (e.code && e.syscall && e.path) {
    return `cannot ${e.syscall} ${e.path}: ${e.code} (check --state-dir / --audit-log and their permissions)`;
  }
  return null;
}
