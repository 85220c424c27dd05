/** GetOperation, GetOperations, GetOperationsForResource. */
import { notFound } from "../protocol.js";
import { operationShape } from "../records.js";
import { optionalString, requireName, requireString } from "../validate.js";
import { field, type OperationHandler } from "./context.js";

export const getOperation: OperationHandler = {
  target: field("operationId"),
  handle(ctx, input) {
    const id = requireString(input, "operationId");
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetOperation", resource: "*" });
    const op = ctx.region.operations.get(id);
    if (!op) throw notFound(`The operation ${id} does not exist in ${ctx.regionName}.`);
    return { operation: operationShape(ctx.regionName, op) };
  },
};

export const getOperations: OperationHandler = {
  handle(ctx, input) {
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetOperations", resource: "*" });
    const page = ctx.region.operationPage(
      undefined,
      optionalString(input, "pageToken"),
      ctx.engine.config.pageSize,
    );
    const out: Record<string, unknown> = {
      operations: page.items.map((o) => operationShape(ctx.regionName, o)),
    };
    if (page.nextPageToken !== undefined) out.nextPageToken = page.nextPageToken;
    return out;
  },
};

export const getOperationsForResource: OperationHandler = {
  target: field("resourceName"),
  handle(ctx, input) {
    const name = requireName(input, "resourceName");
    ctx.engine.authorize(ctx.principal, {
      action: "lightsail:GetOperationsForResource",
      resource: "*",
    });
    const page = ctx.region.operationPage(
      name,
      optionalString(input, "pageToken"),
      ctx.engine.config.pageSize,
    );
    const out: Record<string, unknown> = {
      operations: page.items.map((o) => operationShape(ctx.regionName, o)),
    };
    if (page.nextPageToken !== undefined) out.nextPageToken = page.nextPageToken;
    return out;
  },
};
