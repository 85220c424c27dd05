import type { Engine } from "../engine.js";
import type { ArnContext } from "../records.js";
import type { Page, RegionStore } from "../store.js";
import { type Input, optionalString } from "../validate.js";

/** What every operation handler gets: the engine, the caller's region and principal. */
export interface OpContext {
  engine: Engine;
  region: RegionStore;
  regionName: string;
  principal: string;
  arn: ArnContext;
}

export interface OperationHandler {
  /** the resource the call names, for the call log and scripted faults */
  target?: (input: Input) => string | undefined;
  handle: (ctx: OpContext, input: Input) => Record<string, unknown>;
}

export const field = (name: string) => (input: Input) => {
  const v = input[name];
  return typeof v === "string" ? v : undefined;
};

/**
 * A Get* list call: authorizes `action`, then answers one page of `page`
 * under `key`, with `nextPageToken` only when there is a next page.
 */
export function listPage<T>(
  ctx: OpContext,
  input: Input,
  request: {
    action: string;
    key: string;
    page: (token: string | undefined, size: number) => Page<T>;
    shape: (item: T) => Record<string, unknown>;
  },
): Record<string, unknown> {
  ctx.engine.authorize(ctx.principal, { action: request.action, resource: "*" });
  const page = request.page(optionalString(input, "pageToken"), ctx.engine.config.pageSize);
  const out: Record<string, unknown> = { [request.key]: page.items.map(request.shape) };
  if (page.nextPageToken !== undefined) out.nextPageToken = page.nextPageToken;
  return out;
}
