/**
 * A large deletion world for the resilience suites: a fleet of in-scope
 * snapshots spread over two regions and several disks, most of them old and
 * undeclared (approved for deletion), the rest kept by the desired state, plus
 * a few out-of-scope snapshots that nothing may touch. Guards are loose enough
 * that the whole set is approved.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Plan } from "../../src/core/model.js";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { makeRepo, type TestRepo, tempDir } from "../helpers/git-repo.js";
import { ACCOUNT, ago, NOW_MS } from "../helpers/scenario.js";

export { ACCOUNT, NOW_MS };

export const REGIONS = ["us-east-1", "eu-west-2"] as const;
const DISKS_PER_REGION = 4;

export interface WorldShape {
  /** approved deletions per region */
  approvedPerRegion: number;
  /** declared in keep lists per region */
  keptPerRegion: number;
  /** without the scope tag, per region */
  outOfScopePerRegion: number;
}

/** 2 × (250 approved + 10 kept) = 520 in scope, 500 approved. */
export const BIG: WorldShape = {
  approvedPerRegion: 250,
  keptPerRegion: 10,
  outOfScopePerRegion: 5,
};

const pad = (n: number) => String(n).padStart(4, "0");
export const approvedName = (region: string, i: number) => `old-${region}-${pad(i)}`;
export const keptName = (region: string, i: number) => `keep-${region}-${pad(i)}`;
export const manualName = (region: string, i: number) => `manual-${region}-${pad(i)}`;

export function bigFleet(shape: WorldShape = BIG): FleetSeedInput {
  const regions: NonNullable<FleetSeedInput["regions"]> = {};
  for (const region of REGIONS) {
    const disks = Array.from({ length: DISKS_PER_REGION }, (_, d) => ({
      name: `disk-${d}`,
      sizeInGb: 8,
      tags: { team: "ops" },
    }));
    const disk = (i: number) => `disk-${i % DISKS_PER_REGION}`;
    const snapshots = [
      ...Array.from({ length: shape.approvedPerRegion }, (_, i) => ({
        name: approvedName(region, i),
        fromDisk: disk(i),
        createdAt: ago(30 + (i % 300)),
        tags: { "managed-by": "snapgate" },
      })),
      ...Array.from({ length: shape.keptPerRegion }, (_, i) => ({
        name: keptName(region, i),
        fromDisk: disk(i),
        createdAt: ago(1 + i),
        tags: { "managed-by": "snapgate" },
      })),
      ...Array.from({ length: shape.outOfScopePerRegion }, (_, i) => ({
        name: manualName(region, i),
        fromDisk: disk(i),
        createdAt: ago(90 + i),
        tags: {},
      })),
    ];
    regions[region] = { disks, snapshots };
  }
  return { account: ACCOUNT, regions };
}

function reconcilerYaml(maxDeletions: number, autoApply: boolean): string {
  return `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: resilience }
spec:
  account: "${ACCOUNT}"
  regions: [${REGIONS.join(", ")}]
  scope:
    matchTags: { managed-by: snapgate }
  protect:
    matchTags: { legal-hold: "*" }
  guards:
    maxDeletions: ${maxDeletions}
    maxDeletionPercent: 100
    minSnapshotsPerDisk: 1
    allowEmpty: false
  policy:
    bundle: builtin
    data: { minAgeDays: 7, maxDeletions: ${maxDeletions} }
${autoApply ? "  apply:\n    autoApplyBranches: [main]\n" : ""}`;
}

function setYaml(region: string, keep: string[]): string {
  return `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: keep-${region} }
spec:
  region: ${region}
  keep: [${keep.join(", ")}]
`;
}

/** `autoApply`: `serve` applies plans of branch main by itself. */
export function desiredFiles(shape: WorldShape = BIG, autoApply = false): Record<string, string> {
  const files: Record<string, string> = {
    "snapgate.yaml": reconcilerYaml(
      Math.max(1000, 2 * shape.approvedPerRegion * REGIONS.length),
      autoApply,
    ),
  };
  for (const region of REGIONS) {
    const keep = Array.from({ length: shape.keptPerRegion }, (_, i) => keptName(region, i));
    files[`snapshots/${region}.yaml`] = setYaml(region, keep);
  }
  return files;
}

export interface Dirs {
  root: string;
  repo: TestRepo;
  stateDir: string;
  cacheDir: string;
  planFile: string;
}

/** apply names the repository the plan must come from: the world's own. */
export function repoArgs(dirs: Pick<Dirs, "repo">): string[] {
  return ["--repo", dirs.repo.dir];
}

export function makeDirs(shape: WorldShape = BIG, autoApply = false): Dirs {
  const root = tempDir("snapgate-resilience-");
  return {
    root,
    repo: makeRepo(desiredFiles(shape, autoApply)),
    stateDir: path.join(root, "state"),
    cacheDir: path.join(root, "cache"),
    planFile: path.join(root, "plan.json"),
  };
}

/** The names the world approves for deletion: every old, undeclared, in-scope snapshot. */
export const isApprovedName = (name: string) => name.startsWith("old-");

export function cliEnv(dirs: Dirs, endpoint: string): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: endpoint,
    AWS_ENDPOINT_URL_STS: endpoint,
    SNAPGATE_STATE_DIR: dirs.stateDir,
    XDG_CACHE_HOME: dirs.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
}

/** `snapgate plan --out` as a subprocess; returns the written plan. */
export async function makePlan(dirs: Dirs, env: NodeJS.ProcessEnv): Promise<Plan> {
  const r = await runCli(["plan", "--repo", dirs.repo.dir, "--out", dirs.planFile], env);
  if (r.code !== 0) throw new Error(`plan exited ${r.code}: ${r.stderr}`);
  return JSON.parse(await readFile(dirs.planFile, "utf8")) as Plan;
}
