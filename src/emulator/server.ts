/**
 * The HTTP face of the emulator: POST / with AWS JSON 1.1 (and STS's query
 * protocol, told apart by its form-encoded body: see sts.ts), SigV4 verification,
 * injected faults, dispatch to an operation, and an AWS-shaped answer (with
 * x-amzn-RequestId) for every request, errors included. Never crashes on input.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { isLightsailRegion } from "../core/regions.js";
import type { CallRecord, Engine } from "./engine.js";
import { OPERATIONS } from "./ops/index.js";
import { CONTENT_TYPE, invalidInput, LightsailError, TARGET_PREFIX } from "./protocol.js";
import { queryOf, type SigV4Verifier } from "./sigv4.js";
import { answerSts, isQueryRequest, STS_CONTENT_TYPE } from "./sts.js";

const MAX_BODY_BYTES = 1 << 20;

class BodyTooLarge extends Error {}

/**
 * `durable` resolves once every mutation made so far is on disk (a no-op
 * without a state file): a caller that saw a successful delete must never see
 * the snapshot come back after the emulator is killed.
 */
export function createEmulatorServer(
  engine: Engine,
  verifier: SigV4Verifier,
  durable: () => Promise<void> = async () => {},
): Server {
  const server = createServer((req, res) => {
    handle(engine, verifier, req, res, durable).catch(() => {
      // handle() answers every error itself; this only guards against a broken socket.
      if (!res.headersSent) res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

async function handle(
  engine: Engine,
  verifier: SigV4Verifier,
  req: IncomingMessage,
  res: ServerResponse,
  durable: () => Promise<void>,
): Promise<void> {
  // Held calls wait here, before anything is read or changed (faults.hold()).
  const held = engine.faults.held();
  if (held) await held;
  const arrivedAt = performance.now();
  const requestId = randomUUID();
  // The injected latency is the time from arrival to answer, our own work included
  // (a remote service's latency includes its processing). Set once the call is accepted.
  const latency = { ms: 0 };
  const call: CallRecord = {
    operation: operationName(req),
    region: undefined,
    principal: undefined,
    target: undefined,
    outcome: "ok",
    at: engine.now(),
  };
  let status = 200;
  let payload: unknown;
  try {
    const body = await readBody(req);
    if (isQueryRequest(req)) {
      const answer = await answerSts(engine, verifier, req, body, call, requestId);
      engine.logCall(call);
      res.writeHead(answer.status, {
        "content-type": STS_CONTENT_TYPE,
        "x-amzn-RequestId": requestId,
        "content-length": Buffer.byteLength(answer.xml),
      });
      res.end(answer.xml);
      return;
    }
    payload = await dispatch(engine, verifier, req, body, call, latency);
  } catch (err) {
    const error =
      err instanceof LightsailError
        ? err
        : err instanceof BodyTooLarge
          ? new LightsailError(
              "SerializationException",
              `The request body exceeds ${MAX_BODY_BYTES} bytes.`,
            )
          : new LightsailError("ServiceException", "An internal error occurred.");
    if (!(err instanceof LightsailError) && !(err instanceof BodyTooLarge)) {
      process.stderr.write(
        `emulator: internal error in ${call.operation}: ${(err as Error)?.stack ?? String(err)}\n`,
      );
    }
    status = error.status;
    payload = error.body();
    call.outcome = error.type;
  }
  engine.logCall(call);
  // Acknowledge only what is persisted; concurrent requests share one write.
  await durable();
  const text = JSON.stringify(payload);
  const wait = arrivedAt + latency.ms - performance.now();
  if (wait > 0) await sleep(wait);
  const headers: Record<string, string | number> = {
    "content-type": CONTENT_TYPE,
    "x-amzn-RequestId": requestId,
    "content-length": Buffer.byteLength(text),
  };
  if (status !== 200) headers["x-amzn-ErrorType"] = call.outcome;
  res.writeHead(status, headers);
  res.end(text);
}

function operationName(req: IncomingMessage): string {
  const target = req.headers["x-amz-target"];
  if (typeof target !== "string" || !target.startsWith(TARGET_PREFIX)) return "?";
  return target.slice(TARGET_PREFIX.length);
}

async function dispatch(
  engine: Engine,
  verifier: SigV4Verifier,
  req: IncomingMessage,
  body: Buffer,
  call: CallRecord,
  latency: { ms: number },
): Promise<unknown> {
  if (req.method !== "POST") {
    throw new LightsailError(
      "MethodNotAllowedException",
      `The method ${req.method} is not allowed; use POST /.`,
    );
  }
  const url = new URL(req.url ?? "/", "http://emulator");
  if (url.pathname !== "/")
    throw new LightsailError(
      "UnknownOperationException",
      `No operation at path ${url.pathname}; use POST /.`,
    );
  const query = queryOf(url);
  const caller = await verifier.verify(
    { method: "POST", path: url.pathname, query, headers: req.headers, body },
    engine.now(),
  );
  call.principal = caller.accessKeyId;
  call.region = caller.region;
  const handler = OPERATIONS.get(call.operation);
  if (!handler) {
    throw new LightsailError(
      "UnknownOperationException",
      `The operation ${String(req.headers["x-amz-target"] ?? "(no X-Amz-Target)")} is not supported.`,
    );
  }
  if (!isLightsailRegion(caller.region))
    throw invalidInput(`Lightsail is not available in the region ${caller.region}.`);
  const input = parseInput(body);
  call.target = handler.target?.(input);

  latency.ms = engine.faults.delayMs();
  engine.faults.check(call.operation, call.target);
  return handler.handle(
    {
      engine,
      region: engine.store.region(caller.region),
      regionName: caller.region,
      principal: caller.accessKeyId,
      arn: { account: engine.account, region: caller.region },
    },
    input,
  );
}

function parseInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new LightsailError("SerializationException", "The request body is not valid JSON.");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new LightsailError("SerializationException", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}
