/**
 * One webhook request, from headers to answer. Cheap refusals come first
 * (no secret → 503, content type → 415, size → 413), then the signature over
 * the raw bytes (401, no detail), then the payload (400, located), replay
 * (200 duplicate), and only then the decision to queue. A reconcile never runs
 * inside the request: a valid push is queued and answered 202.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import { formatIssue } from "../core/errors.js";
import type { Receiver, ReconcileTrigger } from "../reconcile/types.js";
import type { DeliveryCache } from "./delivery-cache.js";
import {
  type BodyMediaType,
  type PushEvent,
  parsePushEvent,
  ZERO_OBJECT_ID,
} from "./push-event.js";
import { readBody } from "./read-body.js";
import { sameRepository } from "./same-repository.js";
import { verifyRequest } from "./verify/index.js";

export interface WebhookContext {
  secrets: readonly string[];
  /** the configured repository, possibly under several spellings (e.g. a path and its realpath) */
  repos: readonly string[];
  branch: string;
  deliveries: DeliveryCache;
  maxBodyBytes: number;
  /** queue a reconcile; false when the daemon is shutting down */
  trigger: (trigger: ReconcileTrigger) => boolean;
  log: Logger;
}

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
  /** close the connection after answering (the rest of an oversized body is not read) */
  close?: boolean;
}

export async function handleWebhook(
  receiver: Receiver,
  req: IncomingMessage,
  ctx: WebhookContext,
): Promise<WebhookReply> {
  if (ctx.secrets.length === 0) {
    return { status: 503, body: { error: "webhooks disabled: no secret configured" }, close: true };
  }
  const mediaType = acceptedMediaType(receiver, req.headers["content-type"]);
  if (mediaType === undefined) {
    const accepted =
      receiver === "github"
        ? "application/json or application/x-www-form-urlencoded"
        : "application/json";
    return {
      status: 415,
      body: { error: `unsupported content type; send ${accepted}` },
      close: true,
    };
  }
  const read = await readBody(req, ctx.maxBodyBytes);
  if (!read.ok) {
    return read.reason === "too-large"
      ? { status: 413, body: { error: `body exceeds ${ctx.maxBodyBytes} bytes` }, close: true }
      : { status: 400, body: { error: "request aborted" }, close: true };
  }
  if (!verifyRequest(receiver, ctx.secrets, read.body, req.headers)) {
    ctx.log.warn(
      { receiver, remote: req.socket.remoteAddress },
      "webhook signature missing or invalid",
    );
    return { status: 401, body: { error: "unauthorized" } };
  }
  const parsed = parsePushEvent(receiver, req.headers, read.body, mediaType);
  if (!parsed.ok) {
    const issues =
      parsed.error.issues.length > 0
        ? parsed.error.issues.map(formatIssue)
        : [parsed.error.message];
    return { status: 400, body: { error: "bad webhook payload", issues } };
  }
  const event = parsed.event;
  if (isReplay(receiver, event, read.body, ctx.deliveries)) {
    return { status: 200, body: { status: "duplicate", deliveryId: event.deliveryId } };
  }
  return decide(receiver, event, ctx);
}

/**
 * A replay or a redelivery. The delivery-id headers (X-GitHub-Delivery, …) are not covered by
 * the signature, so a captured request re-sent under a fresh id would pass an id check: a body
 * that names the pushed commit is also keyed by its sha256, which the signature does cover. A
 * body naming no commit (a generic "reconcile now") is keyed by its delivery id only, so the
 * same poke can be sent again.
 */
function isReplay(
  receiver: Receiver,
  event: PushEvent,
  body: Uint8Array,
  deliveries: DeliveryCache,
): boolean {
  const byId = event.deliveryId !== null && deliveries.seen(`${receiver}:${event.deliveryId}`);
  const byBody =
    event.kind === "push" &&
    event.after !== null &&
    deliveries.seen(`${receiver}:sha256:${createHash("sha256").update(body).digest("hex")}`);
  return byId || byBody;
}

function decide(receiver: Receiver, event: PushEvent, ctx: WebhookContext): WebhookReply {
  if (event.kind === "ping") return { status: 200, body: { status: "pong" } };
  if (event.kind === "other") {
    return ignored(`event "${event.event}" is not a push`);
  }
  if (
    event.repoUrls.length > 0 &&
    !event.repoUrls.some((url) => ctx.repos.some((repo) => sameRepository(url, repo)))
  ) {
    return ignored("push to another repository");
  }
  if (!refMatches(receiver, event.ref, ctx.branch)) {
    return ignored(`push to ${event.ref}, not refs/heads/${ctx.branch}`);
  }
  if (event.after !== null && ZERO_OBJECT_ID.test(event.after)) {
    return ignored("the branch was deleted");
  }
  const queued = ctx.trigger({
    kind: "webhook",
    receiver,
    deliveryId: event.deliveryId,
    commit: event.after,
  });
  if (!queued) return { status: 503, body: { error: "shutting down" }, close: true };
  ctx.log.info(
    { receiver, deliveryId: event.deliveryId, commit: event.after },
    "push queued a reconcile",
  );
  return {
    status: 202,
    body: { status: "queued", deliveryId: event.deliveryId, commit: event.after },
  };
}

function ignored(reason: string): WebhookReply {
  return { status: 200, body: { status: "ignored", reason } };
}

function refMatches(receiver: Receiver, ref: string, branch: string): boolean {
  if (ref === `refs/heads/${branch}`) return true;
  // Our own generic hook sends full refs, but a hand-written sender may send the bare name.
  return receiver === "generic" && !ref.startsWith("refs/") && ref === branch;
}

/**
 * JSON everywhere; GitHub may also be configured to send form-encoded
 * `payload=<json>` (signed over the raw form body), which is accepted too.
 */
function acceptedMediaType(
  receiver: Receiver,
  header: string | undefined,
): BodyMediaType | undefined {
  const media = header?.split(";")[0]?.trim().toLowerCase();
  if (media === "application/json") return media;
  if (media === "application/x-www-form-urlencoded" && receiver === "github") return media;
  return undefined;
}
