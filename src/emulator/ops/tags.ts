/** TagResource and UntagResource on disk snapshots and disks. */
import { randomUUID } from "node:crypto";
import { invalidInput, notFound } from "../protocol.js";
import {
  diskArn,
  diskZone,
  type OperationRecord,
  operationShape,
  snapshotArn,
  type Tags,
} from "../records.js";
import {
  assertTags,
  optionalString,
  parseStringList,
  parseTagList,
  requireName,
} from "../validate.js";
import { field, type OpContext, type OperationHandler } from "./context.js";

interface Taggable {
  arn: string;
  resourceType: "DiskSnapshot" | "Disk";
  zone: string;
  tags: Tags;
  set(tags: Tags): void;
}

function findTaggable(ctx: OpContext, name: string, arn: string | undefined): Taggable {
  const s = ctx.region.snapshots.get(name);
  const d = s ? undefined : ctx.region.disks.get(name);
  let found: Taggable | undefined;
  if (s) {
    found = {
      arn: snapshotArn(ctx.arn, s.uuid),
      resourceType: "DiskSnapshot",
      zone: "all",
      tags: s.tags,
      set: (t) => {
        s.tags = t;
      },
    };
  } else if (d) {
    found = {
      arn: diskArn(ctx.arn, d.uuid),
      resourceType: "Disk",
      zone: diskZone(ctx.regionName),
      tags: d.tags,
      set: (t) => {
        d.tags = t;
      },
    };
  }
  if (!found) throw notFound(`The resource ${name} does not exist in ${ctx.regionName}.`);
  if (arn !== undefined && arn !== found.arn) {
    throw invalidInput(`The resourceArn ${arn} does not identify the resource ${name}.`);
  }
  return found;
}

function tagOperation(ctx: OpContext, name: string, r: Taggable, type: string): OperationRecord {
  const now = ctx.engine.now();
  const op: OperationRecord = {
    id: randomUUID(),
    resourceName: name,
    resourceType: r.resourceType,
    createdAtMs: now,
    availabilityZone: r.zone,
    isTerminal: true,
    operationType: type,
    status: "Succeeded",
    statusChangedAtMs: now,
  };
  ctx.region.addOperation(op);
  ctx.engine.changed();
  return op;
}

/** The resource to tag or untag, once the caller may do so with this request. */
function authorizedTaggable(
  ctx: OpContext,
  name: string,
  arn: string | undefined,
  action: "lightsail:TagResource" | "lightsail:UntagResource",
  request: { requestTags: Tags } | { tagKeys: string[] },
): Taggable {
  const r = findTaggable(ctx, name, arn);
  ctx.engine.authorize(ctx.principal, {
    action,
    resource: r.arn,
    resourceTags: r.tags,
    ...request,
  });
  return r;
}

export const tagResource: OperationHandler = {
  target: field("resourceName"),
  handle(ctx, input) {
    const name = requireName(input, "resourceName");
    const arn = optionalString(input, "resourceArn");
    const tags = parseTagList(input, "tags", true);
    const r = authorizedTaggable(ctx, name, arn, "lightsail:TagResource", { requestTags: tags });
    const merged = { ...r.tags, ...tags };
    assertTags(merged);
    r.set(merged);
    return {
      operations: [operationShape(ctx.regionName, tagOperation(ctx, name, r, "TagResource"))],
    };
  },
};

export const untagResource: OperationHandler = {
  target: field("resourceName"),
  handle(ctx, input) {
    const name = requireName(input, "resourceName");
    const arn = optionalString(input, "resourceArn");
    const keys = parseStringList(input, "tagKeys");
    const r = authorizedTaggable(ctx, name, arn, "lightsail:UntagResource", { tagKeys: keys });
    const remaining = { ...r.tags };
    for (const k of keys) delete remaining[k];
    r.set(remaining);
    return {
      operations: [operationShape(ctx.regionName, tagOperation(ctx, name, r, "UntagResource"))],
    };
  },
};
