/** The operations the emulator serves, by X-Amz-Target operation name. */
import type { OperationHandler } from "./context.js";
import { getDisk, getDisks, getRegions } from "./disks.js";
import { getInstance, getInstances } from "./instances.js";
import { getOperation, getOperations, getOperationsForResource } from "./operations.js";
import {
  createDiskSnapshot,
  deleteDiskSnapshot,
  getDiskSnapshot,
  getDiskSnapshots,
} from "./snapshots.js";
import { tagResource, untagResource } from "./tags.js";

export const OPERATIONS: ReadonlyMap<string, OperationHandler> = new Map([
  ["GetDiskSnapshots", getDiskSnapshots],
  ["GetDiskSnapshot", getDiskSnapshot],
  ["CreateDiskSnapshot", createDiskSnapshot],
  ["DeleteDiskSnapshot", deleteDiskSnapshot],
  ["GetOperation", getOperation],
  ["GetOperations", getOperations],
  ["GetOperationsForResource", getOperationsForResource],
  ["TagResource", tagResource],
  ["UntagResource", untagResource],
  ["GetDisk", getDisk],
  ["GetDisks", getDisks],
  ["GetRegions", getRegions],
  ["GetInstance", getInstance],
  ["GetInstances", getInstances],
]);
