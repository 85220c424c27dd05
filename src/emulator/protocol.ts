/**
 * AWS JSON 1.1 wire details shared by every operation: the error type with its
 * Smithy HTTP status, the error body both SDKs parse, and epoch timestamps.
 */

export const TARGET_PREFIX = "Lightsail_20161128.";
export const CONTENT_TYPE = "application/x-amz-json-1.1";

/** Status codes from the Smithy model (reference §1); common AWS errors from CommonErrors. */
export const ERROR_STATUS = {
  AccessDeniedException: 403,
  AccountSetupInProgressException: 428,
  InvalidInputException: 400,
  NotFoundException: 404,
  OperationFailureException: 400,
  RegionSetupInProgressException: 428,
  ServiceException: 500,
  UnauthenticatedException: 401,
  ThrottlingException: 400,
  UnknownOperationException: 400,
  SerializationException: 400,
  MethodNotAllowedException: 405,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

/** The `code` member each Lightsail exception carries (the SDK copies it onto the error). */
const ERROR_CODE: Record<ErrorType, string> = {
  AccessDeniedException: "AccessDenied",
  AccountSetupInProgressException: "AccountSetupInProgress",
  InvalidInputException: "InvalidInput",
  NotFoundException: "DoesNotExist",
  OperationFailureException: "OperationFailure",
  RegionSetupInProgressException: "RegionSetupInProgress",
  ServiceException: "InternalError",
  UnauthenticatedException: "Unauthenticated",
  ThrottlingException: "Throttling",
  UnknownOperationException: "UnknownOperation",
  SerializationException: "Serialization",
  MethodNotAllowedException: "MethodNotAllowed",
};

const DOCS = "https://docs.aws.amazon.com/lightsail/2016-11-28/api-reference/CommonErrors.html";

const TIPS: Partial<Record<ErrorType, string>> = {
  AccessDeniedException: "Check the IAM policy of the calling principal.",
  UnauthenticatedException: "Check the access key, the secret and the clock of the caller.",
  NotFoundException: "Check the resource name and the region.",
  InvalidInputException: "Check the request parameters against the API reference.",
  ThrottlingException: "Slow down and retry with backoff.",
  ServiceException: "Retry the request.",
};

/** An AWS error answer. Thrown by handlers, turned into a response by the server. */
export class LightsailError extends Error {
  override readonly name = "LightsailError";
  readonly type: ErrorType;
  readonly status: number;

  constructor(type: ErrorType, message: string) {
    super(message);
    this.type = type;
    this.status = ERROR_STATUS[type];
  }

  /** Always carries `__type`: without it the JS SDK would take `code` as the error name. */
  body(): Record<string, string> {
    return {
      __type: this.type,
      message: this.message,
      code: ERROR_CODE[this.type],
      docs: DOCS,
      tip: TIPS[this.type] ?? "See the Lightsail API reference.",
    };
  }
}

export const invalidInput = (message: string) =>
  new LightsailError("InvalidInputException", message);
export const notFound = (message: string) => new LightsailError("NotFoundException", message);

/** Epoch seconds with a millisecond fraction, as the JS SDK requires (never ISO strings). */
export function epochSeconds(ms: number): number {
  return Math.round(ms) / 1000;
}
