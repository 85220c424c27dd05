/** The desired-state repository and the emulator seed, written from a world model. */
import { stringify } from "yaml";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import { ACCOUNT, configuredRegions, createdAtMs, type WorldModel } from "./model.js";

export function fleetOf(model: WorldModel): FleetSeedInput {
  const regions: NonNullable<FleetSeedInput["regions"]> = {};
  for (const r of model.regions) {
    regions[r.region] = {
      disks: r.disks.map((name) => ({ name, sizeInGb: 64 })),
      snapshots: r.snapshots.map((s) => ({
        name: s.name,
        fromDisk: s.disk,
        createdAt: new Date(createdAtMs(s)).toISOString(),
        sizeInGb: s.sizeInGb,
        state: s.state,
        tags: s.tags,
      })),
    };
  }
  return { account: ACCOUNT, regions };
}

export function repoFilesOf(model: WorldModel): Record<string, string> {
  const { reconciler: r } = model;
  const spec = {
    account: ACCOUNT,
    regions: configuredRegions(model),
    scope: {
      matchTags: r.scope.matchTags,
      ...(r.scope.namePattern ? { namePattern: r.scope.namePattern } : {}),
    },
    ...(r.protect ? { protect: { matchTags: r.protect } } : {}),
    guards: r.guards,
    policy: { bundle: "builtin", data: { minAgeDays: r.minAgeDays } },
    access: {
      allow: r.allow.map((matchTags) => ({ matchTags })),
      deny: r.deny.map((matchTags) => ({ matchTags })),
    },
  };
  const files: Record<string, string> = {
    "snapgate.yaml": stringify({
      apiVersion: "snapgate.dev/v1",
      kind: "Reconciler",
      metadata: { name: "safety" },
      spec,
    }),
  };
  for (const set of model.sets) {
    const doc = {
      apiVersion: "snapgate.dev/v1",
      kind: "SnapshotSet",
      metadata: { name: set.name },
      spec: {
        region: set.region,
        keep: set.keep,
        retain: set.retain.map((rule) => ({
          fromDisk: rule.fromDisk,
          ...(rule.newest !== undefined ? { newest: rule.newest } : {}),
          ...(rule.maxAgeDays !== undefined ? { maxAge: `${rule.maxAgeDays}d` } : {}),
          ...(rule.matchTags ? { matchTags: rule.matchTags } : {}),
        })),
      },
    };
    files[`snapshots/${set.name}.yaml`] = stringify(doc);
  }
  return files;
}
