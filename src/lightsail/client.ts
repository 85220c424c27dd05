/**
 * Lightsail clients, one per region, following the AWS SDK conventions: the
 * default credential chain, AWS_ENDPOINT_URL(_LIGHTSAIL), or --endpoint-url.
 * Only src/lightsail/ imports the AWS SDK.
 */
import { LightsailClient } from "@aws-sdk/client-lightsail";

export interface ClientOptions {
  /** --endpoint-url; when absent the SDK reads AWS_ENDPOINT_URL_LIGHTSAIL / AWS_ENDPOINT_URL */
  endpoint?: string;
  /** SDK attempts per call (adaptive retry mode handles throttling) */
  maxAttempts?: number;
  /**
   * Cache each command class's resolved middleware stack (the SDK's `cacheMiddleware`): faster,
   * but a middleware added to one command instance is then reused for every later command of
   * its class. Default true.
   */
  cacheMiddleware?: boolean;
}

/** What the pipeline needs of a client: `send`. Apply wraps it with its rate limiter. */
export type LightsailSender = Pick<LightsailClient, "send">;

export type ClientFactory = (region: string) => LightsailSender;

export function lightsailClientFactory(
  opts: ClientOptions = {},
): (region: string) => LightsailClient {
  const cache = new Map<string, LightsailClient>();
  const endpoint =
    opts.endpoint ?? process.env.AWS_ENDPOINT_URL_LIGHTSAIL ?? process.env.AWS_ENDPOINT_URL;
  return (region) => {
    let client = cache.get(region);
    if (!client) {
      client = new LightsailClient({
        region,
        ...(endpoint ? { endpoint } : {}),
        retryMode: "adaptive",
        cacheMiddleware: opts.cacheMiddleware ?? true,
        maxAttempts: opts.maxAttempts ?? 6,
      });
      cache.set(region, client);
    }
    return client;
  };
}

/**
 * Clients for apply: one SDK attempt per call (apply retries by itself, with a fresh read
 * between), and no cached middleware: each DeleteDiskSnapshot carries its own apply's lease
 * check as its innermost step, and with cached stacks a second apply in the same process
 * (serve) would run the first apply's check instead of its own.
 */
export function applyClientFactory(opts: Pick<ClientOptions, "endpoint"> = {}) {
  return lightsailClientFactory({ ...opts, maxAttempts: 1, cacheMiddleware: false });
}
