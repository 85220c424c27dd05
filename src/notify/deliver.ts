/**
 * One HTTP attempt at delivering one message, bounded by a timeout, and the
 * request it sends: the Slack body as is, or the generic webhook's JSON signed
 * with HMAC-SHA256 over the exact bytes sent (`X-Snapgate-Signature:
 * sha256=<hex>`, the scheme snapgate's own receivers verify). Failures are
 * values that say whether trying again can help; none of them repeats the URL.
 */
import { signatureHeader } from "../core/hmac.js";
import type { NotifyEvent } from "./events.js";
import { slackPayload, webhookPayload } from "./message.js";
import type { ResolvedTarget } from "./targets.js";

export const SIGNATURE_HEADER = "X-Snapgate-Signature";
export const EVENT_HEADER = "X-Snapgate-Event";
export const DELIVERY_HEADER = "X-Snapgate-Delivery";

export interface NotifyRequest {
  body: string;
  headers: Record<string, string>;
}

/** The request for one event to one target; `id` stays the same across retries, for deduplication. */
export function requestFor(
  target: ResolvedTarget,
  event: NotifyEvent,
  meta: { id: string; time: string },
): NotifyRequest {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "snapgate",
  };
  if (target.type === "slack") return { body: slackPayload(event), headers };
  const body = webhookPayload(event, meta);
  headers[EVENT_HEADER] = event.kind;
  headers[DELIVERY_HEADER] = meta.id;
  // resolveTarget guarantees a webhook target's key; sign the bytes that are sent.
  headers[SIGNATURE_HEADER] = signatureHeader(target.key ?? "", body);
  return { body, headers };
}

/** `stopped`: the notifier is shutting down and cut the attempt short. */
export type AttemptError = "timeout" | "network" | "http" | "stopped";

export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; error: AttemptError; retryable: boolean; status?: number; detail: string };

/** A receiver's 5xx, 408 and 429 may pass; any other answer will not change by asking again. */
function retryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/**
 * POSTs `request` to `url`, giving up after `timeoutMs` (connect, headers and
 * all) or when `signal` aborts. Redirects are not followed: a receiver that
 * moved is a configuration to fix, not a host to send the body to.
 */
export async function postOnce(
  url: string,
  request: NotifyRequest,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<AttemptResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
  try {
    const res = await fetch(url, {
      method: "POST",
      body: request.body,
      headers: request.headers,
      redirect: "manual",
      signal: combined,
    });
    // The answer's body is not ours to read; release the connection.
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return {
      ok: false,
      error: "http",
      status: res.status,
      retryable: retryableStatus(res.status),
      detail: `HTTP ${res.status}`,
    };
  } catch (err) {
    if (timeout.aborted) {
      return {
        ok: false,
        error: "timeout",
        retryable: true,
        detail: `no answer within ${timeoutMs} ms`,
      };
    }
    if (signal?.aborted)
      return { ok: false, error: "stopped", retryable: true, detail: "stopped: shutting down" };
    return { ok: false, error: "network", retryable: true, detail: networkDetail(err) };
  }
}

/** fetch's error names the cause (ECONNREFUSED …); its message is never used, it may quote the URL. */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code !== undefined ? `connection failed (${code})` : "connection failed";
}

/** Exponential backoff with jitter: about base, 2·base, 4·base … (capped), never in lockstep. */
export function backoffMs(attempt: number, baseMs: number, random: () => number): number {
  const exp = Math.min(60_000, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() * 0.5));
}
