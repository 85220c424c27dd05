/** GetDiskSnapshots, GetDiskSnapshot, CreateDiskSnapshot, DeleteDiskSnapshot and their async completion. */
import { randomUUID } from "node:crypto";
import type { Engine } from "../engine.js";
import { invalidInput, LightsailError, notFound } from "../protocol.js";
import {
  diskArn,
  diskZone,
  instanceArn,
  type OperationRecord,
  operationShape,
  type SnapshotRecord,
  snapshotArn,
  snapshotRecord,
  snapshotShape,
} from "../records.js";
import type { RegionStore } from "../store.js";
import { optionalName, parseTagList, requireName } from "../validate.js";
import { field, listPage, type OpContext, type OperationHandler } from "./context.js";

function findSnapshot(ctx: OpContext, name: string): SnapshotRecord {
  const s = ctx.region.snapshots.get(name);
  if (!s) throw notFound(`The disk snapshot ${name} does not exist in ${ctx.regionName}.`);
  return s;
}

export const getDiskSnapshots: OperationHandler = {
  handle: (ctx, input) =>
    listPage(ctx, input, {
      action: "lightsail:GetDiskSnapshots",
      key: "diskSnapshots",
      page: (token, size) => ctx.region.snapshotPage(token, size),
      shape: (s) => snapshotShape(ctx.arn, s),
    }),
};

export const getDiskSnapshot: OperationHandler = {
  target: field("diskSnapshotName"),
  handle(ctx, input) {
    const name = requireName(input, "diskSnapshotName");
    ctx.engine.authorize(ctx.principal, { action: "lightsail:GetDiskSnapshot", resource: "*" });
    return { diskSnapshot: snapshotShape(ctx.arn, findSnapshot(ctx, name)) };
  },
};

export const createDiskSnapshot: OperationHandler = {
  target: field("diskSnapshotName"),
  handle(ctx, input) {
    const name = requireName(input, "diskSnapshotName");
    const diskName = optionalName(input, "diskName");
    const instanceName = optionalName(input, "instanceName");
    if (diskName !== undefined && instanceName !== undefined) {
      throw invalidInput("Specify either diskName or instanceName, not both.");
    }
    if (diskName === undefined && instanceName === undefined) {
      throw invalidInput("Specify diskName or instanceName.");
    }
    const tags = parseTagList(input, "tags", false);
    if (ctx.region.snapshots.has(name))
      throw invalidInput(`The disk snapshot name ${name} is already in use.`);
    const source = snapshotSourceOf(ctx, diskName, instanceName);
    ctx.engine.authorize(ctx.principal, {
      action: "lightsail:CreateDiskSnapshot",
      resource: source.arn,
      requestTags: tags,
    });

    const { engine } = ctx;
    const now = engine.now();
    const uuid = randomUUID();
    const op = (
      resourceName: string,
      resourceType: string,
      zone: string,
      details: string,
    ): OperationRecord => ({
      id: randomUUID(),
      resourceName,
      resourceType,
      createdAtMs: now,
      availabilityZone: zone,
      isTerminal: false,
      operationDetails: details,
      operationType: "CreateDiskSnapshot",
      status: "Started",
      statusChangedAtMs: now,
    });
    // One operation for the snapshot, one for its source (the Disk, or the Instance).
    const ops = [
      op(name, "DiskSnapshot", "all", source.name),
      op(source.name, source.resourceType, diskZone(ctx.regionName), name),
    ];
    const snapshot: SnapshotRecord = {
      ...snapshotRecord(ctx.arn, {
        name,
        uuid,
        createdAtMs: now,
        sizeInGb: source.sizeInGb,
        state: "pending",
        ...(source.resourceType === "Disk"
          ? { fromDisk: { name: source.name, uuid: source.uuid } }
          : { fromInstance: source.name }),
        tags,
      }),
      completesAtMs: now + engine.config.createDelayMs,
      createOperationIds: ops.map((o) => o.id),
    };
    ctx.region.addSnapshot(snapshot);
    for (const o of ops) ctx.region.addOperation(o);
    scheduleCreate(engine, ctx.region, snapshot);
    engine.changed();
    return { operations: ops.map((o) => operationShape(ctx.regionName, o)) };
  },
};

/** The disk, or the instance whose system disk is copied; NotFound when it does not exist. */
function snapshotSourceOf(
  ctx: OpContext,
  diskName: string | undefined,
  instanceName: string | undefined,
): {
  name: string;
  uuid: string;
  arn: string;
  sizeInGb: number;
  resourceType: "Disk" | "Instance";
} {
  if (diskName !== undefined) {
    const disk = ctx.region.disks.get(diskName);
    if (!disk) throw notFound(`The disk ${diskName} does not exist in ${ctx.regionName}.`);
    return {
      name: disk.name,
      uuid: disk.uuid,
      arn: diskArn(ctx.arn, disk.uuid),
      sizeInGb: disk.sizeInGb,
      resourceType: "Disk",
    };
  }
  const instance = ctx.region.instances.get(instanceName ?? "");
  if (!instance)
    throw notFound(`The instance ${instanceName} does not exist in ${ctx.regionName}.`);
  return {
    name: instance.name,
    uuid: instance.uuid,
    arn: instanceArn(ctx.arn, instance.uuid),
    sizeInGb: instance.systemDiskSizeInGb,
    resourceType: "Instance",
  };
}

export const deleteDiskSnapshot: OperationHandler = {
  target: field("diskSnapshotName"),
  handle(ctx, input) {
    const name = requireName(input, "diskSnapshotName");
    const s = findSnapshot(ctx, name);
    const { engine } = ctx;
    engine.authorize(ctx.principal, {
      action: "lightsail:DeleteDiskSnapshot",
      resource: snapshotArn(ctx.arn, s.uuid),
      resourceTags: s.tags,
    });
    if (s.deleting)
      throw new LightsailError(
        "OperationFailureException",
        `The disk snapshot ${name} is already being deleted.`,
      );
    if (s.state === "pending" && engine.config.pendingDelete === "reject") {
      throw new LightsailError(
        "OperationFailureException",
        `The disk snapshot ${name} is still pending and cannot be deleted yet.`,
      );
    }
    const failure = engine.faults.takeDeleteFailure(ctx.regionName, name);
    const now = engine.now();
    const op: OperationRecord = {
      id: randomUUID(),
      resourceName: name,
      resourceType: "DiskSnapshot",
      createdAtMs: now,
      availabilityZone: "all",
      isTerminal: false,
      operationType: "DeleteDiskSnapshot",
      status: "Started",
      statusChangedAtMs: now,
    };
    ctx.region.addOperation(op);
    if (engine.config.deleteMode === "sync") {
      if (failure) engine.settleOperations(ctx.region, [op.id], { status: "Failed", ...failure });
      else {
        removeDeleted(engine, ctx.region, s);
        engine.settleOperations(ctx.region, [op.id], { status: "Succeeded" });
      }
    } else {
      s.deleting = {
        operationId: op.id,
        atMs: now + engine.config.deleteDelayMs,
        ...(failure ? { fail: failure } : {}),
      };
      scheduleDelete(engine, ctx.region, s);
    }
    engine.changed();
    return { operations: [operationShape(ctx.regionName, op)] };
  },
};

/** Removes a snapshot through the API path and records it in the deletion log. */
function removeDeleted(engine: Engine, region: RegionStore, s: SnapshotRecord): void {
  region.removeSnapshot(s.name);
  if (s.createOperationIds) {
    engine.settleOperations(region, s.createOperationIds, {
      status: "Failed",
      errorCode: "ResourceDeleted",
      errorDetails: `The disk snapshot ${s.name} was deleted before it completed.`,
    });
  }
  engine.deletions.push({
    region: region.name,
    name: s.name,
    arn: snapshotArn({ account: engine.account, region: region.name }, s.uuid),
    at: engine.now(),
  });
}

function scheduleCreate(engine: Engine, region: RegionStore, s: SnapshotRecord): void {
  engine.at(s.completesAtMs ?? engine.now(), () => {
    const current = region.snapshots.get(s.name);
    if (current !== s || s.state !== "pending") return;
    s.state = "completed";
    s.progress = "100%";
    delete s.completesAtMs;
    engine.settleOperations(region, s.createOperationIds ?? [], { status: "Succeeded" });
    delete s.createOperationIds;
    engine.changed();
  });
}

function scheduleDelete(engine: Engine, region: RegionStore, s: SnapshotRecord): void {
  const deleting = s.deleting;
  if (!deleting) return;
  engine.at(deleting.atMs, () => {
    if (region.snapshots.get(s.name) !== s || s.deleting !== deleting) {
      // It vanished meanwhile: the delete has nothing left to do.
      engine.settleOperations(region, [deleting.operationId], { status: "Succeeded" });
    } else if (deleting.fail) {
      delete s.deleting;
      engine.settleOperations(region, [deleting.operationId], {
        status: "Failed",
        ...deleting.fail,
      });
    } else {
      removeDeleted(engine, region, s);
      engine.settleOperations(region, [deleting.operationId], { status: "Succeeded" });
    }
    engine.changed();
  });
}

/** After a restart: re-arm the completions that were in flight when the state was saved. */
export function resumeInFlight(engine: Engine): void {
  for (const name of engine.store.regionNames()) {
    const region = engine.store.region(name);
    for (const s of [...region.orderedSnapshots()]) {
      if (s.state === "pending" && s.completesAtMs !== undefined) scheduleCreate(engine, region, s);
      if (s.deleting) scheduleDelete(engine, region, s);
    }
  }
}
