/**
 * Lists every disk snapshot and disk (and, when asked, every instance) in the
 * configured regions, all regions
 * concurrently (bounded). Complete or nothing: a region that fails makes the
 * whole listing fail, naming the region and the exception — a plan is never
 * computed from partial data.
 */
import {
  GetDiskSnapshotsCommand,
  GetDisksCommand,
  GetInstancesCommand,
} from "@aws-sdk/client-lightsail";
import { SnapgateError } from "../core/errors.js";
import { mapBounded } from "../core/map-bounded.js";
import type { Inventory, LiveDisk, LiveInstance, LiveSnapshot } from "../core/model.js";
import { classifyError, describeError } from "./classify.js";
import type { ClientFactory } from "./client.js";
import { credentialsError } from "./credentials.js";
import { toLiveDisk, toLiveInstance, toLiveSnapshot } from "./normalize.js";

const MAX_PAGES = 100_000;

async function paginate<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const all: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetchPage(token);
    all.push(...items);
    if (!next) return all;
    // A repeated token would loop forever (botocore raises on it too).
    if (seen.has(next)) throw new Error(`pagination token repeated: ${next}`);
    seen.add(next);
    token = next;
  }
  throw new Error(`more than ${MAX_PAGES} pages`);
}

export async function listSnapshots(
  clients: ClientFactory,
  region: string,
  onPage?: (snapshots: number) => void,
): Promise<LiveSnapshot[]> {
  const client = clients(region);
  return paginate(async (pageToken) => {
    const out = await client.send(new GetDiskSnapshotsCommand({ pageToken }));
    onPage?.(out.diskSnapshots?.length ?? 0);
    return {
      items: (out.diskSnapshots ?? []).map((s) => toLiveSnapshot(region, s)),
      next: out.nextPageToken,
    };
  });
}

export async function listDisks(clients: ClientFactory, region: string): Promise<LiveDisk[]> {
  const client = clients(region);
  return paginate(async (pageToken) => {
    const out = await client.send(new GetDisksCommand({ pageToken }));
    return { items: (out.disks ?? []).map((d) => toLiveDisk(region, d)), next: out.nextPageToken };
  });
}

export async function listInstances(
  clients: ClientFactory,
  region: string,
): Promise<LiveInstance[]> {
  const client = clients(region);
  return paginate(async (pageToken) => {
    const out = await client.send(new GetInstancesCommand({ pageToken }));
    return {
      items: (out.instances ?? []).map((i) => toLiveInstance(region, i)),
      next: out.nextPageToken,
    };
  });
}

/** How far a listing has got: regions finished and snapshots listed so far. */
export interface ListingProgress {
  regionsDone: number;
  regionsTotal: number;
  snapshots: number;
}

export interface InventoryOptions {
  /** also list instances (GetInstances): freshness covers them, and finds orphaned ones */
  instances?: boolean;
  concurrency?: number;
  /** told after every page and every finished region (the CLI shows it on a terminal) */
  onProgress?: (p: ListingProgress) => void;
}

async function listRegion(
  clients: ClientFactory,
  region: string,
  withInstances: boolean,
  onPage?: (snapshots: number) => void,
) {
  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      // Credentials are the same for every region: one message, with the chain and the fixes.
      const credentials = credentialsError(err, `listing Lightsail (${what} in ${region})`);
      if (credentials) throw credentials;
      const c = classifyError(err);
      throw new SnapgateError(
        "LightsailFailed",
        `region ${region}: ${what} failed: ${describeError(c)} (no plan is made from partial data)`,
        [],
        err,
      );
    }
  };
  const [snapshots, disks, instances] = await Promise.all([
    step("GetDiskSnapshots", () => listSnapshots(clients, region, onPage)),
    step("GetDisks", () => listDisks(clients, region)),
    withInstances ? step("GetInstances", () => listInstances(clients, region)) : undefined,
  ]);
  return { snapshots, disks, instances };
}

export async function listInventory(
  clients: ClientFactory,
  regions: readonly string[],
  options: InventoryOptions = {},
): Promise<Inventory> {
  const withInstances = options.instances === true;
  const progress: ListingProgress = { regionsDone: 0, regionsTotal: regions.length, snapshots: 0 };
  const tell = () => options.onProgress?.({ ...progress });
  const perRegion = await mapBounded(regions, options.concurrency ?? 16, async (r) => {
    const listed = await listRegion(clients, r, withInstances, (n) => {
      progress.snapshots += n;
      tell();
    });
    progress.regionsDone++;
    tell();
    return listed;
  });
  return {
    regions: [...regions],
    snapshots: perRegion.flatMap((r) => r.snapshots),
    disks: perRegion.flatMap((r) => r.disks),
    ...(withInstances ? { instances: perRegion.flatMap((r) => r.instances ?? []) } : {}),
  };
}
