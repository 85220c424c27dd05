/**
 * The emulator's stored resources and how each becomes its wire shape
 * (DiskSnapshot, Disk, Operation exactly as the model and the AWS samples).
 */
import { createHash } from "node:crypto";
import type { SnapshotOrigin } from "../core/model.js";
import { epochSeconds } from "./protocol.js";

export type Tags = Record<string, string>;

export type SnapshotState = "pending" | "completed" | "error" | "unknown";

export interface SnapshotRecord extends SnapshotOrigin {
  name: string;
  uuid: string;
  createdAtMs: number;
  sizeInGb: number;
  state: SnapshotState;
  progress: string;
  tags: Tags;
  supportCode: string;
  /** when a pending snapshot completes (CreateDiskSnapshot) */
  completesAtMs?: number;
  /** ids of the create operations to settle on completion */
  createOperationIds?: string[];
  /** an asynchronous delete in flight: its operation and when it completes */
  deleting?: {
    operationId: string;
    atMs: number;
    fail?: { errorCode: string; errorDetails: string };
  };
}

export type DiskState = "pending" | "error" | "available" | "in-use" | "unknown";

export interface DiskRecord {
  name: string;
  uuid: string;
  createdAtMs: number;
  sizeInGb: number;
  state: DiskState;
  attachedTo?: string;
  path?: string;
  isSystemDisk: boolean;
  iops: number;
  tags: Tags;
  supportCode: string;
}

export type InstanceStateName =
  | "pending"
  | "running"
  | "shutting-down"
  | "terminated"
  | "stopping"
  | "stopped";

/** EC2's state codes, which Lightsail reports with the state name. */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface InstanceRecord {
  name: string;
  uuid: string;
  createdAtMs: number;
  blueprintId: string;
  blueprintName: string;
  bundleId: string;
  state: InstanceStateName;
  /** the system disk's size: snapshots of the instance copy it */
  systemDiskSizeInGb: number;
  /** a private address of the documentation range, stable per instance */
  privateIpAddress: string;
  publicIpAddress: string;
  tags: Tags;
  supportCode: string;
}

export type OperationStatus = "NotStarted" | "Started" | "Failed" | "Completed" | "Succeeded";

export interface OperationRecord {
  id: string;
  resourceName: string;
  resourceType: string;
  createdAtMs: number;
  availabilityZone: string;
  isTerminal: boolean;
  operationDetails?: string;
  operationType: string;
  status: OperationStatus;
  statusChangedAtMs: number;
  errorCode?: string;
  errorDetails?: string;
}

export interface ArnContext {
  account: string;
  region: string;
}

export const snapshotArn = (c: ArnContext, uuid: string) =>
  `arn:aws:lightsail:${c.region}:${c.account}:DiskSnapshot/${uuid}`;
export const diskArn = (c: ArnContext, uuid: string) =>
  `arn:aws:lightsail:${c.region}:${c.account}:Disk/${uuid}`;

export const instanceArn = (c: ArnContext, uuid: string) =>
  `arn:aws:lightsail:${c.region}:${c.account}:Instance/${uuid}`;

/** Disks live in the region's first zone; snapshots are regional ("all"). */
export const diskZone = (region: string) => `${region}a`;

/** A UUID derived from a stable description, so seeded resources keep their ARN without a state file. */
export function stableUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  const variant = ((Number.parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function supportCode(account: string, kind: "snap" | "vol" | "i", uuid: string): string {
  return `${account}/${kind}-0${uuid.replace(/-/g, "").slice(0, 16)}`;
}

/** What a new snapshot is made of; everything derived (ARNs, support code, progress) is filled in. */
export interface SnapshotSpec {
  name: string;
  uuid: string;
  createdAtMs: number;
  sizeInGb: number;
  state: SnapshotState;
  progress?: string;
  /** the source disk; without its uuid (a disk that is gone) its ARN is derived from its name */
  fromDisk?: { name: string; uuid?: string | undefined };
  /** the source instance (a system-disk snapshot): a stable ARN whether or not it is listed */
  fromInstance?: string;
  isFromAutoSnapshot?: boolean;
  tags: Tags;
}

/** The one constructor of snapshot records: the seed, CreateDiskSnapshot and test fixtures. */
export function snapshotRecord(c: ArnContext, s: SnapshotSpec): SnapshotRecord {
  const record: SnapshotRecord = {
    name: s.name,
    uuid: s.uuid,
    createdAtMs: s.createdAtMs,
    sizeInGb: s.sizeInGb,
    state: s.state,
    progress: s.progress ?? (s.state === "completed" ? "100%" : "0%"),
    isFromAutoSnapshot: s.isFromAutoSnapshot ?? false,
    tags: { ...s.tags },
    supportCode: supportCode(c.account, "snap", s.uuid),
  };
  if (s.fromDisk !== undefined) {
    const diskUuid = s.fromDisk.uuid ?? stableUuid(c.account, c.region, "Disk", s.fromDisk.name);
    record.fromDiskName = s.fromDisk.name;
    record.fromDiskArn = diskArn(c, diskUuid);
  }
  if (s.fromInstance !== undefined) {
    record.fromInstanceName = s.fromInstance;
    record.fromInstanceArn = instanceArn(
      c,
      stableUuid(c.account, c.region, "Instance", s.fromInstance),
    );
  }
  return record;
}

export function tagList(tags: Tags): { key: string; value: string }[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function snapshotShape(c: ArnContext, s: SnapshotRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: s.name,
    arn: snapshotArn(c, s.uuid),
    supportCode: s.supportCode,
    createdAt: epochSeconds(s.createdAtMs),
    location: { availabilityZone: "all", regionName: c.region },
    resourceType: "DiskSnapshot",
    tags: tagList(s.tags),
    sizeInGb: s.sizeInGb,
    state: s.state,
    progress: s.progress,
  };
  if (s.fromDiskName !== undefined) out.fromDiskName = s.fromDiskName;
  if (s.fromDiskArn !== undefined) out.fromDiskArn = s.fromDiskArn;
  if (s.fromInstanceName !== undefined) out.fromInstanceName = s.fromInstanceName;
  if (s.fromInstanceArn !== undefined) out.fromInstanceArn = s.fromInstanceArn;
  out.isFromAutoSnapshot = s.isFromAutoSnapshot;
  return out;
}

export function diskShape(c: ArnContext, d: DiskRecord): Record<string, unknown> {
  const attached = d.attachedTo !== undefined;
  const out: Record<string, unknown> = {
    name: d.name,
    arn: diskArn(c, d.uuid),
    supportCode: d.supportCode,
    createdAt: epochSeconds(d.createdAtMs),
    location: { availabilityZone: diskZone(c.region), regionName: c.region },
    resourceType: "Disk",
    tags: tagList(d.tags),
    sizeInGb: d.sizeInGb,
    isSystemDisk: d.isSystemDisk,
    iops: d.iops,
  };
  if (d.path !== undefined) out.path = d.path;
  out.state = d.state;
  if (attached) out.attachedTo = d.attachedTo;
  out.isAttached = attached;
  out.attachmentState = attached ? "attached" : "detached";
  return out;
}

export function operationShape(region: string, o: OperationRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: o.id,
    resourceName: o.resourceName,
    resourceType: o.resourceType,
    createdAt: epochSeconds(o.createdAtMs),
    location: { availabilityZone: o.availabilityZone, regionName: region },
    isTerminal: o.isTerminal,
  };
  if (o.operationDetails !== undefined) out.operationDetails = o.operationDetails;
  out.operationType = o.operationType;
  out.status = o.status;
  out.statusChangedAt = epochSeconds(o.statusChangedAtMs);
  if (o.errorCode !== undefined) out.errorCode = o.errorCode;
  if (o.errorDetails !== undefined) out.errorDetails = o.errorDetails;
  return out;
}

/**
 * An Instance as GetInstances returns it (the AWS CLI's get-instances sample):
 * the system disk and any attached disks under hardware.disks, one SSH port.
 */
export function instanceShape(
  c: ArnContext,
  i: InstanceRecord,
  attached: readonly DiskRecord[],
): Record<string, unknown> {
  const systemDisk = {
    createdAt: epochSeconds(i.createdAtMs),
    sizeInGb: i.systemDiskSizeInGb,
    isSystemDisk: true,
    iops: Math.max(100, i.systemDiskSizeInGb * 3),
    path: "/dev/xvda",
    attachedTo: i.name,
    attachmentState: "attached",
  };
  return {
    name: i.name,
    arn: instanceArn(c, i.uuid),
    supportCode: i.supportCode,
    createdAt: epochSeconds(i.createdAtMs),
    location: { availabilityZone: diskZone(c.region), regionName: c.region },
    resourceType: "Instance",
    tags: tagList(i.tags),
    blueprintId: i.blueprintId,
    blueprintName: i.blueprintName,
    bundleId: i.bundleId,
    isStaticIp: false,
    privateIpAddress: i.privateIpAddress,
    publicIpAddress: i.publicIpAddress,
    hardware: {
      cpuCount: 1,
      disks: [systemDisk, ...attached.map((d) => diskShape(c, d))],
      ramSizeInGb: 1.0,
    },
    networking: {
      monthlyTransfer: { gbPerMonthAllocated: 1024 },
      ports: [
        {
          fromPort: 22,
          toPort: 22,
          protocol: "tcp",
          accessFrom: "Anywhere (0.0.0.0/0)",
          accessType: "public",
          commonName: "",
          accessDirection: "inbound",
        },
      ],
    },
    state: { code: INSTANCE_STATE_CODES[i.state], name: i.state },
    username: "ec2-user",
    sshKeyName: "LightsailDefaultKeyPair",
  };
}
