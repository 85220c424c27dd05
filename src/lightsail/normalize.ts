/** SDK shapes → the pipeline's plain types (tags as objects, ISO times). */
import type { Disk, DiskSnapshot, Instance, Tag } from "@aws-sdk/client-lightsail";
import { isoFromMs } from "../core/iso-time.js";
import type { LiveDisk, LiveInstance, LiveSnapshot } from "../core/model.js";
import { rememberCreatedAtMs } from "../core/order.js";

export function tagsToObject(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.key !== undefined) out[t.key] = t.value ?? "";
  return out;
}

export function toLiveSnapshot(region: string, s: DiskSnapshot): LiveSnapshot {
  const created = s.createdAt ?? new Date(0);
  const live: LiveSnapshot = {
    region,
    name: s.name ?? "",
    arn: s.arn ?? "",
    supportCode: s.supportCode,
    createdAt: isoFromMs(created.getTime()),
    sizeInGb: s.sizeInGb ?? 0,
    state: s.state ?? "unknown",
    progress: s.progress,
    fromDiskName: s.fromDiskName,
    fromDiskArn: s.fromDiskArn,
    fromInstanceName: s.fromInstanceName,
    fromInstanceArn: s.fromInstanceArn,
    isFromAutoSnapshot: s.isFromAutoSnapshot ?? false,
    tags: tagsToObject(s.tags),
  };
  // every stage orders by age: the listing already holds the time as a number
  rememberCreatedAtMs(live, created.getTime());
  return live;
}

/** A resource's region, name and ARN (empty when Lightsail leaves them out). */
function identity(
  region: string,
  r: { name?: string; arn?: string },
): { region: string; name: string; arn: string } {
  return { region, name: r.name ?? "", arn: r.arn ?? "" };
}

export function toLiveDisk(region: string, d: Disk): LiveDisk {
  return {
    ...identity(region, d),
    sizeInGb: d.sizeInGb ?? 0,
    state: d.state ?? "unknown",
    tags: tagsToObject(d.tags),
  };
}

export function toLiveInstance(region: string, i: Instance): LiveInstance {
  return {
    ...identity(region, i),
    state: i.state?.name ?? "unknown",
    tags: tagsToObject(i.tags),
  };
}
