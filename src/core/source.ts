/**
 * A snapshot's source: the disk it was taken of, or the instance whose system
 * disk it copies (Lightsail then sets fromInstanceName and no fromDiskName).
 * Retention, the per-source floor, policy siblings and reports all group by
 * this one key, so a disk and an instance are treated the same way.
 */
import type { LiveSnapshot, RetainRule, SnapshotSource } from "./model.js";

/** The snapshot's source; a disk wins when Lightsail names both. */
export function snapshotSource(s: LiveSnapshot): SnapshotSource | undefined {
  if (s.fromDiskName !== undefined) return { kind: "disk", name: s.fromDiskName };
  if (s.fromInstanceName !== undefined) return { kind: "instance", name: s.fromInstanceName };
  return undefined;
}

export function ruleSource(rule: RetainRule): SnapshotSource {
  return rule.fromInstance !== undefined
    ? { kind: "instance", name: rule.fromInstance }
    : { kind: "disk", name: rule.fromDisk as string };
}

export function sourceKeyOf(region: string, source: SnapshotSource): string {
  return `${region}\u0000${source.kind}\u0000${source.name}`;
}

/** Group key for "the same source": region + kind + name; undefined for a snapshot of neither. */
export function snapshotSourceKey(s: LiveSnapshot): string | undefined {
  if (s.fromDiskName !== undefined) return `${s.region}\u0000disk\u0000${s.fromDiskName}`;
  if (s.fromInstanceName !== undefined)
    return `${s.region}\u0000instance\u0000${s.fromInstanceName}`;
  return undefined;
}
