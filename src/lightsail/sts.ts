/**
 * Who the credentials belong to, from sts:GetCallerIdentity: apply proves the
 * plan's account this way before any delete, as aws-nuke does. A listing that
 * comes back empty proves nothing; this answer names the account.
 *
 * Endpoint, by precedence: AWS_ENDPOINT_URL_STS (the SDK's service-specific
 * variable), the command's --endpoint-url (the emulator serves Lightsail and
 * STS on one port), AWS_ENDPOINT_URL, else AWS's regional STS endpoint.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

/** Asks STS in `region` (a region of the plan: the partition follows it). */
export type IdentityProbe = (region: string) => Promise<CallerIdentity>;

export interface IdentityOptions {
  /** the command's --endpoint-url */
  endpoint?: string;
}

/** Never wait forever for an answer that decides whether anything is deleted. */
const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export function stsEndpoint(opts: IdentityOptions = {}): string | undefined {
  return process.env.AWS_ENDPOINT_URL_STS ?? opts.endpoint ?? process.env.AWS_ENDPOINT_URL;
}

export function stsIdentityProbe(opts: IdentityOptions = {}): IdentityProbe {
  const endpoint = stsEndpoint(opts);
  const clients = new Map<string, STSClient>();
  return async (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new STSClient({
        region,
        ...(endpoint ? { endpoint } : {}),
        maxAttempts: 3,
        requestHandler: {
          connectionTimeout: CONNECTION_TIMEOUT_MS,
          requestTimeout: REQUEST_TIMEOUT_MS,
        },
      });
      clients.set(region, client);
    }
    const out = await client.send(new GetCallerIdentityCommand({}));
    return { account: out.Account ?? "", arn: out.Arn ?? "", userId: out.UserId ?? "" };
  };
}
