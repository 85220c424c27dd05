/**
 * The daemon's HTTP face on plain node:http: webhook receivers plus health,
 * readiness, metrics and status. It only answers and queues; reconciles run
 * in the queue, never inside a request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { RECEIVERS, type Receiver, type ReconcileTrigger } from "../reconcile/types.js";
import { DeliveryCache } from "./delivery-cache.js";
import type { SnapgateMetrics } from "./metrics.js";
import { MAX_BODY_BYTES } from "./read-body.js";
import { handleWebhook, type WebhookContext } from "./webhook.js";

/** What /status shows; `ready` also drives /readyz. */
export interface StatusSnapshot {
  ready: boolean;
  [key: string]: unknown;
}

export interface ServerOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** webhook secrets (several while rotating); empty → webhook endpoints answer 503 */
  secrets: readonly string[];
  /** the configured repository; several spellings allowed (a path and its realpath) */
  repos: readonly string[];
  branch: string;
  queue: { trigger(trigger: ReconcileTrigger): boolean };
  status: () => StatusSnapshot;
  /** more of /status that must be looked up when asked (e.g. who holds the apply lock) */
  statusExtra?: () => Promise<Record<string, unknown>>;
  metrics: SnapgateMetrics;
  log: Logger;
  maxBodyBytes?: number;
  deliveryCacheSize?: number;
  /** how long close() waits for open requests before cutting connections */
  closeGraceMs?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 10_000;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const secrets = [...opts.secrets];
  if (secrets.some((s) => typeof s !== "string" || s.length === 0)) {
    throw new TypeError("[snapgate/server] secrets must be non-empty strings");
  }
  const webhook: WebhookContext = {
    secrets,
    repos: opts.repos,
    branch: opts.branch,
    deliveries: new DeliveryCache(opts.deliveryCacheSize ?? 10_000),
    maxBodyBytes: opts.maxBodyBytes ?? MAX_BODY_BYTES,
    trigger: (trigger) => opts.queue.trigger(trigger),
    log: opts.log,
  };
  const server = createServer(
    {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      route(req, res, opts, webhook).catch((err: unknown) => {
        opts.log.error({ err, url: req.url }, "request handler failed");
        if (!res.headersSent) send(res, 500, { error: "internal error" }, true);
        else res.destroy();
      });
    },
  );
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server, opts.closeGraceMs ?? 5_000),
  };
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  opts: ServerOptions,
  webhook: WebhookContext,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  if (path.startsWith("/webhooks/")) {
    const name = path.slice("/webhooks/".length);
    const receiver = RECEIVERS.find((r) => r === name);
    if (receiver === undefined) {
      opts.metrics.recordWebhookRequest("unknown", 404);
      return send(res, 404, { error: "unknown receiver" }, true);
    }
    if (req.method !== "POST") {
      opts.metrics.recordWebhookRequest(receiver, 405);
      res.setHeader("Allow", "POST");
      return send(res, 405, { error: "method not allowed" }, true);
    }
    return answerWebhook(receiver, req, res, opts, webhook);
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, { error: "method not allowed" }, true);
  }
  switch (path) {
    case "/healthz":
      return send(res, 200, { status: "ok" });
    case "/readyz": {
      const ready = opts.status().ready === true;
      return send(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready" });
    }
    case "/status": {
      const extra = opts.statusExtra ? await opts.statusExtra() : {};
      return send(res, 200, { ...opts.status(), ...extra });
    }
    case "/metrics": {
      const text = await opts.metrics.render();
      res.writeHead(200, { "Content-Type": opts.metrics.contentType, "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : text);
      return;
    }
    default:
      return send(res, 404, { error: "not found" });
  }
}

async function answerWebhook(
  receiver: Receiver,
  req: IncomingMessage,
  res: ServerResponse,
  opts: ServerOptions,
  webhook: WebhookContext,
): Promise<void> {
  const reply = await handleWebhook(receiver, req, webhook);
  opts.metrics.recordWebhookRequest(receiver, reply.status);
  send(res, reply.status, reply.body, reply.close === true);
}

function send(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = `${JSON.stringify(body)}\n`;
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  };
  // Closing after a refusal means an unread (oversized, unauthenticated) body is never drained.
  if (close) headers.Connection = "close";
  res.writeHead(status, headers);
  res.end(res.req.method === "HEAD" ? undefined : text);
}

/** Stop accepting, let open requests finish, and cut what is still open after the grace period. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
