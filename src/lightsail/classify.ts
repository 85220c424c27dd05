/**
 * The one table that says what every Lightsail failure means for snapgate.
 * Listing fails the plan on any error; apply acts per class:
 *   retry     – transient: back off and try again (bounded)
 *   gone      – the snapshot no longer exists: counts as "already absent"
 *   denied    – access denied: record the item as denied, never retry
 *   fail-item – this item failed; the run goes on
 *   abort     – nothing else can succeed (bad credentials, account not ready): stop the run
 */
export type ErrorClass = "retry" | "gone" | "denied" | "fail-item" | "abort";

const TABLE: Readonly<Record<string, ErrorClass>> = {
  ThrottlingException: "retry",
  ServiceException: "retry",
  InternalFailure: "retry",
  ServiceUnavailable: "retry",
  RegionSetupInProgressException: "retry",
  NotFoundException: "gone",
  AccessDeniedException: "denied",
  InvalidInputException: "fail-item",
  OperationFailureException: "fail-item",
  AccountSetupInProgressException: "abort",
  UnauthenticatedException: "abort",
  InvalidClientTokenId: "abort",
  IncompleteSignature: "abort",
};

/** Node network errors: the request may not have reached the service. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

export interface ClassifiedError {
  class: ErrorClass;
  /** the exception name, e.g. "NotFoundException" */
  name: string;
  message: string;
  httpStatus?: number;
}

export function classifyError(err: unknown): ClassifiedError {
  const e = (err ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $fault?: string;
  };
  const name = e.name ?? "Error";
  const message = e.message ?? String(err);
  const httpStatus = e.$metadata?.httpStatusCode;
  const base = { name, message, ...(httpStatus === undefined ? {} : { httpStatus }) };
  // Some operations report a missing resource as another type with "DoesNotExist"
  // in the code or message (terraform-provider-aws errs.go): treat it as gone.
  if (/DoesNotExist/.test(name) || /DoesNotExist/.test(message) || e.code === "DoesNotExist") {
    return { class: "gone", ...base };
  }
  const known = TABLE[name];
  if (known) return { class: known, ...base };
  if ((e.code && NETWORK_CODES.has(e.code)) || name === "TimeoutError" || name === "AbortError") {
    return { class: "retry", ...base };
  }
  if (e.$fault === "server" || (httpStatus !== undefined && httpStatus >= 500)) {
    return { class: "retry", ...base };
  }
  return { class: "fail-item", ...base };
}

export function describeError(c: ClassifiedError): string {
  return `${c.name}: ${c.message}`;
}
