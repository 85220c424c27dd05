/**
 * Bounded retries for Lightsail calls during apply, through the adaptive rate
 * limiter. Only `retry`-class errors are retried; throttling slows the limiter
 * down and gets more attempts, so it never reaches the user as a failure.
 * Nothing retries forever.
 */
import { classifyError } from "../lightsail/classify.js";
import type { ClientFactory, LightsailSender } from "../lightsail/client.js";
import type { AdaptiveRateLimiter } from "./rate-limiter.js";

export interface RetryPolicy {
  /** attempts for transient server/network errors */
  maxAttempts: number;
  /** attempts when the error is throttling */
  maxThrottleAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  maxThrottleAttempts: 30,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
};

export function backoffMs(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls `fn` until it succeeds or fails in a way not worth retrying (bounded by `policy`). */
export async function callWithRetry<T>(
  limiter: AdaptiveRateLimiter,
  fn: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  let attempts = 0;
  let throttles = 0;
  for (;;) {
    await limiter.acquire();
    attempts++;
    try {
      const value = await fn();
      limiter.onSuccess();
      return value;
    } catch (err) {
      const c = classifyError(err);
      const throttled = c.name === "ThrottlingException" || c.httpStatus === 429;
      if (throttled) {
        limiter.onThrottle();
        throttles++;
      }
      const budget = throttled ? policy.maxThrottleAttempts : policy.maxAttempts;
      if (c.class !== "retry" || (throttled ? throttles : attempts - throttles) >= budget) {
        throw err; // the original error: callers classify it with the same table
      }
      await sleep(backoffMs(policy, Math.min(attempts, 10)));
    }
  }
}

/**
 * Every `send` of these clients goes through the limiter with bounded retries.
 * For idempotent reads only: apply's delete uses its own re-checked loop.
 */
export function rateLimitedClients(
  clients: ClientFactory,
  limiter: AdaptiveRateLimiter,
  policy: RetryPolicy = DEFAULT_RETRY,
): ClientFactory {
  return (region) => {
    const client = clients(region);
    return {
      send: ((command: never) =>
        callWithRetry(limiter, () => client.send(command), policy)) as LightsailSender["send"],
    };
  };
}
