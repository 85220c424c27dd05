/**
 * STS on the emulator's port: GetCallerIdentity over the AWS query protocol
 * (form-encoded POST, XML answer), SigV4-signed for service `sts`, the way the
 * JS SDK and the AWS CLI send it. Every answer, errors included, is XML in
 * STS's namespace with a request id; nothing here throws.
 */
import type { IncomingMessage } from "node:http";
import type { CallRecord, Engine } from "./engine.js";
import { queryOf, type SigV4FailureReason, SigV4Rejection, type SigV4Verifier } from "./sigv4.js";

const STS_VERSION = "2011-06-15";
const NAMESPACE = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;
export const STS_CONTENT_TYPE = "text/xml";

/** A query-protocol request: form-encoded and without the JSON protocols' X-Amz-Target. */
export function isQueryRequest(req: IncomingMessage): boolean {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  return (
    type.startsWith("application/x-www-form-urlencoded") &&
    req.headers["x-amz-target"] === undefined
  );
}

export interface StsAnswer {
  status: number;
  xml: string;
}

/** STS's error code and status for each way a signature can fail. */
const AUTH_ERRORS: Record<SigV4FailureReason, { code: string; status: number }> = {
  missing: { code: "MissingAuthenticationToken", status: 403 },
  malformed: { code: "IncompleteSignature", status: 400 },
  "unknown-key": { code: "InvalidClientTokenId", status: 403 },
  mismatch: { code: "SignatureDoesNotMatch", status: 403 },
};

class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function answerSts(
  engine: Engine,
  verifier: SigV4Verifier,
  req: IncomingMessage,
  body: Buffer,
  call: CallRecord,
  requestId: string,
): Promise<StsAnswer> {
  const form = new URLSearchParams(body.toString("utf8"));
  // Only a known name goes into the call log: the rest is whatever the caller sent.
  call.operation = form.get("Action") === "GetCallerIdentity" ? "GetCallerIdentity" : "?";
  try {
    const xml = await getCallerIdentity(engine, verifier, req, body, form, call, requestId);
    return { status: 200, xml };
  } catch (err) {
    const e =
      err instanceof StsError
        ? err
        : err instanceof SigV4Rejection
          ? new StsError(AUTH_ERRORS[err.reason].code, AUTH_ERRORS[err.reason].status, err.message)
          : new StsError("InternalFailure", 500, "An internal error occurred.");
    if (!(err instanceof StsError) && !(err instanceof SigV4Rejection)) {
      process.stderr.write(
        `emulator: internal error in sts ${call.operation}: ${(err as Error)?.stack ?? String(err)}\n`,
      );
    }
    call.outcome = e.code;
    return { status: e.status, xml: errorXml(e, requestId) };
  }
}

async function getCallerIdentity(
  engine: Engine,
  verifier: SigV4Verifier,
  req: IncomingMessage,
  body: Buffer,
  form: URLSearchParams,
  call: CallRecord,
  requestId: string,
): Promise<string> {
  if (req.method !== "POST") throw new StsError("InvalidAction", 400, "Use POST / for STS.");
  const url = new URL(req.url ?? "/", "http://emulator");
  const query = queryOf(url);
  const caller = await verifier.verify(
    { method: "POST", path: url.pathname, query, headers: req.headers, body },
    engine.now(),
    "sts",
  );
  call.principal = caller.accessKeyId;
  call.region = caller.region;
  const action = form.get("Action");
  const version = form.get("Version");
  if (action === null) throw new StsError("MissingAction", 400, "Missing Action");
  if (version !== STS_VERSION || action !== "GetCallerIdentity") {
    throw new StsError(
      "InvalidAction",
      400,
      `Could not find operation ${action} for version ${version ?? "NO_VERSION_SPECIFIED"}`,
    );
  }
  // Like AWS, no IAM permission is needed to ask who you are.
  const who = engine.identityOf(caller.accessKeyId);
  if (!who) throw new StsError("InvalidClientTokenId", 403, "Unknown principal.");
  return [
    `<GetCallerIdentityResponse xmlns="${NAMESPACE}">`,
    "  <GetCallerIdentityResult>",
    `    <Arn>${escapeXml(who.arn)}</Arn>`,
    `    <UserId>${escapeXml(who.userId)}</UserId>`,
    `    <Account>${escapeXml(who.account)}</Account>`,
    "  </GetCallerIdentityResult>",
    "  <ResponseMetadata>",
    `    <RequestId>${requestId}</RequestId>`,
    "  </ResponseMetadata>",
    "</GetCallerIdentityResponse>",
    "",
  ].join("\n");
}

function errorXml(e: StsError, requestId: string): string {
  const type = e.status >= 500 ? "Receiver" : "Sender";
  return [
    `<ErrorResponse xmlns="${NAMESPACE}">`,
    "  <Error>",
    `    <Type>${type}</Type>`,
    `    <Code>${escapeXml(e.code)}</Code>`,
    `    <Message>${escapeXml(e.message)}</Message>`,
    "  </Error>",
    `  <RequestId>${requestId}</RequestId>`,
    "</ErrorResponse>",
    "",
  ].join("\n");
}

/** Element text only (never attribute values): <, > and & are all that need escaping. */
function escapeXml(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c] ?? c);
}
