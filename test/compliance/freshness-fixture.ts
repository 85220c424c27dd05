/**
 * A fleet for the freshness tests, built as `snapgate audit` builds it: live
 * disks and instances, covered by tags or by a SnapshotSet's own window; one
 * source of each status, an error snapshot, a gap, an orphaned disk and a
 * snapshot that an earlier audit saw and that is gone now.
 */
import { buildComplianceReport } from "../../src/compliance/compliance.js";
import type { InventoryHistory } from "../../src/core/inventory-seen.js";
import type { Inventory, LiveDisk, LiveInstance } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { runGate } from "../../src/gate/gate.js";
import { buildPlan } from "../../src/plan/build.js";
import { ACCOUNT, desired, NOW, set, snap } from "../helpers/fleet.js";
import { POLICY_DIGEST, stubGateDeps } from "./report-fixture.js";

const HOUR = 3_600_000;
export const hoursAgo = (h: number) => new Date(NOW - h * HOUR).toISOString();

const disk = (name: string, tags: Record<string, string> = { backup: "required" }): LiveDisk => ({
  region: "us-east-1",
  name,
  arn: `arn:aws:lightsail:us-east-1:${ACCOUNT}:Disk/${name}`,
  sizeInGb: 8,
  state: "available",
  tags,
});

const instance = (name: string): LiveInstance => ({
  region: "us-east-1",
  name,
  arn: `arn:aws:lightsail:us-east-1:${ACCOUNT}:Instance/${name}`,
  state: "running",
  tags: { backup: "required" },
});

export const GONE_ARN = `arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/gone-0000`;
export const DELETED_BY_US_ARN = `arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/ours-0000`;

export function freshnessFleet(opts: { instancesListed?: boolean } = {}) {
  const d = desired(
    {
      regions: ["us-east-1"],
      freshness: {
        maxAgeMs: 26 * HOUR,
        maxAgeText: "26h",
        warnAgeMs: 25 * HOUR,
        warnAgeText: "25h",
        sources: {
          disks: { matchTags: { backup: "required" } },
          instances: { matchTags: { backup: "required" } },
        },
      },
    },
    [
      set({
        keep: ["db-broken"],
        retain: [
          { fromDisk: "web-data", newest: 50 },
          { fromDisk: "db-data", newest: 50 },
          { fromDisk: "warm-data", newest: 50 },
          { fromDisk: "old-box", newest: 50 },
          { fromInstance: "app-1", newest: 50 },
        ],
      }),
      // its own, stricter window: 2h, and it covers hourly-data although the disk has no backup tag
      set({
        name: "hourly",
        retain: [{ fromDisk: "hourly-data", newest: 50 }],
        freshness: { maxAgeMs: 2 * HOUR, maxAgeText: "2h" },
        file: "snapshots/hourly.yaml",
      }),
    ],
  );
  const snapshots = [
    snap({ name: "web-1", fromDiskName: "web-data", createdAt: hoursAgo(2) }),
    snap({ name: "web-2", fromDiskName: "web-data", createdAt: hoursAgo(26) }),
    // 60 h between web-2 and web-3: a gap longer than maxAge
    snap({ name: "web-3", fromDiskName: "web-data", createdAt: hoursAgo(86) }),
    snap({ name: "db-old", fromDiskName: "db-data", createdAt: hoursAgo(30) }),
    snap({ name: "db-broken", fromDiskName: "db-data", createdAt: hoursAgo(1), state: "error" }),
    snap({ name: "warm-1", fromDiskName: "warm-data", createdAt: hoursAgo(25.5) }),
    snap({ name: "hourly-1", fromDiskName: "hourly-data", createdAt: hoursAgo(3) }),
    snap({
      name: "app-1-snap",
      fromDiskName: undefined,
      fromInstanceName: "app-1",
      createdAt: hoursAgo(4),
    }),
    snap({ name: "old-box-1", fromDiskName: "old-box", createdAt: hoursAgo(240) }),
    snap({
      name: "gone-box-1",
      fromDiskName: undefined,
      fromInstanceName: "gone-box",
      createdAt: hoursAgo(240),
    }),
    // out of scope: never counts as a backup
    snap({ name: "cache-manual", fromDiskName: "cache-data", createdAt: hoursAgo(1), tags: {} }),
  ];
  const inventory: Inventory = {
    regions: ["us-east-1"],
    snapshots,
    disks: [
      disk("web-data"),
      disk("db-data"),
      disk("cache-data"),
      disk("warm-data"),
      disk("hourly-data", {}),
      disk("scratch", {}),
    ],
    ...(opts.instancesListed === false ? {} : { instances: [instance("app-1")] }),
  };
  const history: InventoryHistory = {
    seen: [
      {
        region: "us-east-1",
        name: "web-1",
        arn: snapshots[0]!.arn,
        lastSeen: hoursAgo(1),
        lastSeenBy: "audit",
      },
      {
        region: "us-east-1",
        name: "web-0",
        arn: GONE_ARN,
        lastSeen: hoursAgo(1),
        lastSeenBy: "audit",
      },
      {
        region: "us-east-1",
        name: "web-x",
        arn: DELETED_BY_US_ARN,
        lastSeen: hoursAgo(1),
        lastSeenBy: "plan",
      },
      // a region not listed now: cannot tell
      {
        region: "eu-west-2",
        name: "eu-0",
        arn: "arn:aws:lightsail:eu-west-2:111122223333:DiskSnapshot/eu",
        lastSeen: hoursAgo(1),
        lastSeenBy: "audit",
      },
    ],
    deletedBySnapgate: new Set([DELETED_BY_US_ARN]),
  };
  const result = diff(d, inventory, NOW);
  const decisions = runGate(
    { desired: d, inventory, diff: result, commit: "c0ffee", nowMs: NOW },
    stubGateDeps,
  );
  const plan = buildPlan({
    source: {
      repo: "https://git.example/fleet.git",
      ref: "main",
      commit: "c0ffee0123456789abcdef0123456789abcdef01",
      base: null,
    },
    account: d.spec.account,
    regions: d.spec.regions,
    policy: { bundle: "builtin", digest: POLICY_DIGEST },
    inventory,
    diff: result,
    decisions,
    nowMs: NOW,
  });
  const report = buildComplianceReport({
    plan,
    inventory,
    diff: result,
    desired: d,
    nowMs: NOW,
    history,
  });
  return { report, inventory, desired: d, diff: result, history };
}
