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
        cacheMiddleware: true,
        maxAttempts: opts.maxAttempts ?? 6,
      });
      cache.set(region, client);
    }
    return client;
  };
}
