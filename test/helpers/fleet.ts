/** Literal fleets and desired states for the pure stages' unit tests. */
import type {
  DesiredState,
  LiveSnapshot,
  ReconcilerSpec,
  SnapshotSet,
} from "../../src/core/model.js";

export const ACCOUNT = "111122223333";
export const NOW = Date.parse("2026-11-27T08:00:00Z");
const DAY = 86_400_000;

let counter = 0;

export function snap(over: Partial<LiveSnapshot> & { name: string }): LiveSnapshot {
  counter++;
  const region = over.region ?? "us-east-1";
  return {
    region,
    arn: `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/00000000-0000-4000-8000-${String(counter).padStart(12, "0")}`,
    createdAt: new Date(NOW - 30 * DAY).toISOString(),
    sizeInGb: 8,
    state: "completed",
    fromDiskName: "web-data",
    isFromAutoSnapshot: false,
    tags: { "managed-by": "snapgate" },
    ...over,
  };
}

export function daysAgo(days: number): string {
  return new Date(NOW - days * DAY).toISOString();
}

export function spec(over: Partial<ReconcilerSpec> = {}): ReconcilerSpec {
  return {
    account: ACCOUNT,
    regions: ["us-east-1", "eu-west-2"],
    scope: { matchTags: { "managed-by": "snapgate" } },
    protect: { matchTags: { "legal-hold": "*" } },
    guards: { maxDeletions: 50, maxDeletionPercent: 100, minSnapshotsPerDisk: 0, allowEmpty: true },
    policy: { bundle: "builtin", data: {} },
    access: { allow: [], deny: [] },
    apply: { autoApplyBranches: [], maxPlanAgeMs: 3_600_000 },
    suspend: false,
    ...over,
  };
}

export function set(over: Partial<SnapshotSet> = {}): SnapshotSet {
  return {
    name: "web",
    region: "us-east-1",
    keep: [],
    retain: [],
    file: "snapshots/web.yaml",
    ...over,
  };
}

export function desired(specOver: Partial<ReconcilerSpec>, sets: SnapshotSet[]): DesiredState {
  return { name: "test", spec: spec(specOver), sets };
}
