/** GetOperation, GetOperations, GetOperationsForResource. */
import { notFound } from "../protocol.js";
import { operationShape } from "../records.js";
import { requireName, requireString } from "../validate.js";
import { field, listPage, type OperationHandler } from "./context.js";

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
  handle: (ctx, input) =>
    listPage(ctx, input, {
      action: "lightsail:GetOperations",
      key: "operations",
      page: (token, size) => ctx.region.operationPage(undefined, token, size),
      shape: (o) => operationShape(ctx.regionName, o),
    }),
};

export const getOperationsForResource: OperationHandler = {
  target: field("resourceName"),
  handle(ctx, input) {
    const name = requireName(input, "resourceName");
    return listPage(ctx, input, {
      action: "lightsail:GetOperationsForResource",
      key: "operations",
      page: (token, size) => ctx.region.operationPage(name, token, size),
      shape: (o) => operationShape(ctx.regionName, o),
    });
  },
};
