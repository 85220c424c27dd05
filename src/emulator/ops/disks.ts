/** GetDisk, GetDisks and GetRegions. */
import { LIGHTSAIL_REGIONS } from "../../core/regions.js";
import { invalidInput, notFound } from "../protocol.js";
import { diskShape } from "../records.js";
import { requireName } from "../validate.js";
import { field, listPage, type OperationHandler } from "./context.js";

export const getDisk: OperationHandler = {
  target: field("diskName"),
  handle(ctx, input) {
    const name = requireName(input, "diskName");
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetDisk", resource: "*" });
    const disk = ctx.region.disks.get(name);
    if (!disk) throw notFound(`The disk ${name} does not exist in ${ctx.regionName}.`);
    return { disk: diskShape(ctx.arn, disk) };
  },
};

export const getDisks: OperationHandler = {
  handle: (ctx, input) =>
    listPage(ctx, input, {
      action: "lightsail:GetDisks",
      key: "disks",
      page: (token, size) => ctx.region.diskPage(token, size),
      shape: (d) => diskShape(ctx.arn, d),
    }),
};

function flag(input: Record<string, unknown>, name: string): boolean {
  const v = input[name];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalidInput(`${name} must be a boolean.`);
  return v;
}

export const getRegions: OperationHandler = {
  handle(ctx, input) {
    const zones = flag(input, "includeAvailabilityZones");
    const dbZones = flag(input, "includeRelationalDatabaseAvailabilityZones");
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetRegions", resource: "*" });
    const zoneList = (region: string) =>
      ["a", "b", "c"].map((z) => ({ zoneName: `${region}${z}`, state: "available" }));
    return {
      regions: LIGHTSAIL_REGIONS.map((r) => ({
        continentCode: r.continentCode,
        description: r.description,
        displayName: r.displayName,
        name: r.name,
        availabilityZones: zones ? zoneList(r.name) : [],
        relationalDatabaseAvailabilityZones: dbZones ? zoneList(r.name) : [],
      })),
    };
  },
};
