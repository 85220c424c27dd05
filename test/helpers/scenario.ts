/**
 * A small but complete world for integration tests: an emulator seeded with a
 * fleet, a real git repo holding the desired state, state and cache dirs.
 */
import path from "node:path";
import {
  type FleetSeedInput,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";
import { makeRepo, type TestRepo, tempDir } from "./git-repo.js";

export const ACCOUNT = "111122223333";
export const NOW_MS = Date.parse("2026-11-27T08:00:00Z");
const DAY = 86_400_000;
export const ago = (days: number) => new Date(NOW_MS - days * DAY).toISOString();

export const RECONCILER = `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: test }
spec:
  account: "${ACCOUNT}"
  regions: [us-east-1, eu-west-2]
  scope:
    matchTags: { managed-by: snapgate }
  protect:
    matchTags: { legal-hold: "*" }
  guards:
    maxDeletions: 50
    maxDeletionPercent: 100
    minSnapshotsPerDisk: 1
    allowEmpty: false
  policy:
    bundle: builtin
    data: { minAgeDays: 7 }
`;

export const webSet = (keep: string[]) => `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  keep: [${keep.join(", ")}]
`;

export const FLEET: FleetSeedInput = {
  account: ACCOUNT,
  regions: {
    "us-east-1": {
      disks: [{ name: "web-data", sizeInGb: 64, tags: { team: "web" } }],
      snapshots: [
        {
          name: "web-1",
          fromDisk: "web-data",
          createdAt: ago(1),
          tags: { "managed-by": "snapgate" },
        },
        {
          name: "web-old",
          fromDisk: "web-data",
          createdAt: ago(30),
          tags: { "managed-by": "snapgate" },
        },
        {
          name: "web-older",
          fromDisk: "web-data",
          createdAt: ago(40),
          tags: { "managed-by": "snapgate" },
        },
        {
          name: "web-young",
          fromDisk: "web-data",
          createdAt: ago(2),
          tags: { "managed-by": "snapgate" },
        },
        {
          name: "web-held",
          fromDisk: "web-data",
          createdAt: ago(60),
          tags: { "managed-by": "snapgate", "legal-hold": "case-7" },
        },
        { name: "manual", fromDisk: "web-data", createdAt: ago(90), tags: {} },
      ],
    },
    "eu-west-2": { disks: [], snapshots: [] },
  },
};

export interface World {
  emulator: RunningEmulator;
  repo: TestRepo;
  stateDir: string;
  cacheDir: string;
  close(): Promise<void>;
}

export async function makeWorld(
  opts: { fleet?: FleetSeedInput; files?: Record<string, string> } = {},
): Promise<World> {
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
  process.env.AWS_REGION = "us-east-1";
  const emulator = await startEmulator({ seed: opts.fleet ?? FLEET });
  const repo = makeRepo(
    opts.files ?? { "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) },
  );
  const root = tempDir("snapgate-world-");
  return {
    emulator,
    repo,
    stateDir: path.join(root, "state"),
    cacheDir: path.join(root, "cache"),
    close: () => emulator.close(),
  };
}
