/** GetInstance and GetInstances: the instances whose system disks snapshots copy. */
import { notFound } from "../protocol.js";
import { instanceShape } from "../records.js";
import { optionalString, requireName } from "../validate.js";
import { field, type OpContext, type OperationHandler } from "./context.js";

function shape(ctx: OpContext, name: string): Record<string, unknown> | undefined {
  const instance = ctx.region.instances.get(name);
  return instance && instanceShape(ctx.arn, instance, ctx.region.disksAttachedTo(name));
}

export const getInstance: OperationHandler = {
  target: field("instanceName"),
  handle(ctx, input) {
    const name = requireName(input, "instanceName");
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetInstance", resource: "*" });
    const instance = shape(ctx, name);
    if (!instance) throw notFound(`The instance ${name} does not exist in ${ctx.regionName}.`);
    return { instance };
  },
};

export const getInstances: OperationHandler = {
  handle(ctx, input) {
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetInstances", resource: "*" });
    const page = ctx.region.instancePage(
      optionalString(input, "pageToken"),
      ctx.engine.config.pageSize,
    );
    const out: Record<string, unknown> = {
      instances: page.items.map((i) => shape(ctx, i.name)),
    };
    if (page.nextPageToken !== undefined) out.nextPageToken = page.nextPageToken;
    return out;
  },
};
