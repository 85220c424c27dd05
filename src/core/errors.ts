/**
 * One error type for the whole program. A `code` says what went wrong in a
 * stable, machine-readable way; `issues` carry every located input problem so
 * the user sees all of them at once. The CLI maps codes to exit codes in one
 * place (src/cli/exit-codes.ts). A refusal that must cross a boundary as an
 * exception (the CLI's edge) carries its reason code (core/outcome.ts).
 */
import type { ReasonCode, Refusal, RefusalCode } from "./outcome.js";

export type ErrorCode =
  /** bad input from a file, flag or request: YAML, schema, names, plan file, webhook body */
  | "BadInput"
  /** snapgate refuses to act: stale plan, account mismatch, lock held, guard refusal */
  | "Refused"
  /** the desired-state source (git) could not be read */
  | "SourceFailed"
  /** a Lightsail call failed in a way that stops the run */
  | "LightsailFailed"
  /** the policy bundle could not be loaded or evaluated */
  | "PolicyFailed"
  /** the state location (a directory or s3://bucket/prefix) cannot be used: unreachable, denied, misconfigured */
  | "StateFailed"
  /** a bug or an unexpected condition */
  | "Internal";

/** Where in an input a problem is. Line and column are 1-based. */
export interface InputIssue {
  file: string;
  line?: number;
  col?: number;
  /** dotted path of the offending field, e.g. `spec.keep[2]` */
  field?: string;
  message: string;
}

export class SnapgateError extends Error {
  override readonly name = "SnapgateError";
  readonly code: ErrorCode;
  readonly issues: readonly InputIssue[];
  /** for a refusal: which one (the outcome's reason code) */
  readonly refusal: RefusalCode | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    issues: readonly InputIssue[] = [],
    cause?: unknown,
    refusal?: RefusalCode,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.issues = issues;
    this.refusal = refusal;
  }

  /** The message a user reads: the summary, then one located line per issue. */
  describe(): string {
    const only = this.issues.length === 1 ? this.issues[0] : undefined;
    if (this.issues.length === 0 || (only && formatIssue(only) === this.message))
      return this.message;
    return [this.message, ...this.issues.map(formatIssue)].join("\n");
  }
}

/** `file:line:col: field: message`, leaving out what is unknown. */
export function formatIssue(issue: InputIssue): string {
  let where = issue.file;
  if (issue.line !== undefined) {
    where += `:${issue.line}`;
    if (issue.col !== undefined) where += `:${issue.col}`;
  }
  const field = issue.field ? `${issue.field}: ` : "";
  return `${where}: ${field}${issue.message}`;
}

/** More issues than anyone reads: the rest are counted, not listed (and not located). */
export const MAX_REPORTED_ISSUES = 100;

/** Bad input with one or more located issues. */
export function badInput(all: readonly InputIssue[], summary?: string): SnapgateError {
  const issues =
    all.length <= MAX_REPORTED_ISSUES
      ? all
      : [
          ...all.slice(0, MAX_REPORTED_ISSUES),
          // located at the first problem not listed, so a reader knows where to continue
          {
            ...all[MAX_REPORTED_ISSUES]!,
            field: undefined,
            message: `… and ${all.length - MAX_REPORTED_ISSUES} more problems from here on`,
          },
        ];
  const first = issues[0];
  const message =
    summary ??
    (all.length === 1 && first ? formatIssue(first) : `${all.length} problems in the input`);
  return new SnapgateError("BadInput", message, issues);
}

export function refused(message: string, code: RefusalCode = "PlanInvalid"): SnapgateError {
  return new SnapgateError("Refused", message, [], undefined, code);
}

/** A refusal value as the exception the CLI's edge reports (exit 1). */
export function refusalError(r: Refusal): SnapgateError {
  return refused(r.message, r.code);
}

/** The outcome reason code of anything a run threw. */
export function reasonOf(err: unknown): ReasonCode {
  if (!(err instanceof SnapgateError)) return "Internal";
  switch (err.code) {
    case "Refused":
      return err.refusal ?? "PlanInvalid";
    case "BadInput":
    case "SourceFailed":
    case "LightsailFailed":
    case "PolicyFailed":
    case "StateFailed":
    case "Internal":
      return err.code;
  }
}

export function isSnapgateError(err: unknown): err is SnapgateError {
  return err instanceof SnapgateError;
}

/** Normalise anything thrown (strings, plain objects, Errors) into a message. */
export function messageOf(err: unknown): string {
  if (err instanceof SnapgateError) return err.describe();
  if (err instanceof Error) return err.message;
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && "message" in err) return String(err.message);
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
