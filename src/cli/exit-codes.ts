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
} as const;

/** The one place an error becomes a message on stderr and an exit code. */
export function reportFatal(err: unknown): number {
  const text = isSnapgateError(err) ? err.describe() : `internal error: ${messageOf(err)}`;
  // messages quote repository content (keys, names, policy output): no raw control characters
  process.stderr.write(`snapgate: ${printableLines(text)}\n`);
  if (!isSnapgateError(err) && process.env.SNAPGATE_DEBUG && err instanceof Error) {
    process.stderr.write(`${err.stack}\n`);
  }
  return EXIT.error;
}
