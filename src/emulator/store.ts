/**
 * The emulator's resources, one RegionStore per region (regions never share
 * resources). Snapshots are kept newest-first in an ordered index so that a
 * page costs O(page); page tokens are opaque cursors on that order.
 */

import { OrderedIndex } from "./ordered-index.js";
import { invalidInput } from "./protocol.js";
import type { DiskRecord, InstanceRecord, OperationRecord, SnapshotRecord } from "./records.js";

type SnapshotKey = { t: number; n: string };

/** Newest first (as the real GetDiskSnapshots sample lists them), then by name. */
function compareSnapshotKeys(a: SnapshotKey, b: SnapshotKey): number {
  if (a.t !== b.t) return b.t - a.t;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

const compareNames = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function isSnapshotKey(key: unknown): key is SnapshotKey {
  const k = key as SnapshotKey;
  return typeof k.t === "number" && typeof k.n === "string";
}

function isName(key: unknown): key is string {
  return typeof key === "string";
}

/** One page of an index after the position its token names; a token of another shape is refused. */
function pageOf<K, T>(
  order: OrderedIndex<K, T>,
  kind: string,
  token: string | undefined,
  size: number,
  isKey: (key: unknown) => key is K,
): Page<T> {
  const after = decodeToken(kind, token);
  if (after !== undefined && !isKey(after)) throw invalidInput("The pageToken is not valid.");
  const page = order.page(after, size);
  return {
    items: page.items,
    nextPageToken: page.more ? encodeToken(kind, page.last) : undefined,
  };
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

function encodeToken(kind: string, key: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, c: key })).toString("base64url");
}

function decodeToken(kind: string, token: string | undefined): unknown {
  if (token === undefined || token === "") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as {
      k?: unknown;
      c?: unknown;
    };
    if (parsed.k === kind && parsed.c !== undefined) return parsed.c;
  } catch {
    // fall through to the error below
  }
  throw invalidInput("The pageToken is not valid.");
}

export class RegionStore {
  readonly snapshots = new Map<string, SnapshotRecord>();
  readonly disks = new Map<string, DiskRecord>();
  readonly instances = new Map<string, InstanceRecord>();
  readonly operations = new Map<string, OperationRecord>();
  private readonly snapshotOrder = new OrderedIndex<SnapshotKey, SnapshotRecord>(
    (s) => ({ t: s.createdAtMs, n: s.name }),
    compareSnapshotKeys,
  );
  private readonly diskOrder = new OrderedIndex<string, DiskRecord>((d) => d.name, compareNames);
  private readonly instanceOrder = new OrderedIndex<string, InstanceRecord>(
    (i) => i.name,
    compareNames,
  );
  private readonly operationList: OperationRecord[] = [];
  private readonly operationsByResource = new Map<string, OperationRecord[]>();

  constructor(readonly name: string) {}

  load(data: {
    disks: DiskRecord[];
    snapshots: SnapshotRecord[];
    operations: OperationRecord[];
    /** absent in state files written before instances were served */
    instances?: InstanceRecord[];
  }): void {
    for (const d of data.disks) this.disks.set(d.name, d);
    this.diskOrder.load(data.disks);
    const instances = data.instances ?? [];
    for (const i of instances) this.instances.set(i.name, i);
    this.instanceOrder.load(instances);
    for (const s of data.snapshots) this.snapshots.set(s.name, s);
    this.snapshotOrder.load(data.snapshots);
    for (const o of data.operations) this.addOperation(o);
  }

  addSnapshot(s: SnapshotRecord): void {
    const existing = this.snapshots.get(s.name);
    if (existing) this.snapshotOrder.remove(existing);
    this.snapshots.set(s.name, s);
    this.snapshotOrder.insert(s);
  }

  removeSnapshot(name: string): SnapshotRecord | undefined {
    const s = this.snapshots.get(name);
    if (!s) return undefined;
    this.snapshots.delete(name);
    this.snapshotOrder.remove(s);
    return s;
  }

  addDisk(d: DiskRecord): void {
    const existing = this.disks.get(d.name);
    if (existing) this.diskOrder.remove(existing);
    this.disks.set(d.name, d);
    this.diskOrder.insert(d);
  }

  addOperation(o: OperationRecord): void {
    this.operations.set(o.id, o);
    this.operationList.push(o);
    const list = this.operationsByResource.get(o.resourceName);
    if (list) list.push(o);
    else this.operationsByResource.set(o.resourceName, [o]);
  }

  snapshotPage(token: string | undefined, size: number): Page<SnapshotRecord> {
    return pageOf(this.snapshotOrder, "s", token, size, isSnapshotKey);
  }

  diskPage(token: string | undefined, size: number): Page<DiskRecord> {
    return pageOf(this.diskOrder, "d", token, size, isName);
  }

  instancePage(token: string | undefined, size: number): Page<InstanceRecord> {
    return pageOf(this.instanceOrder, "i", token, size, isName);
  }

  /** The disks attached to an instance, by name. */
  disksAttachedTo(instance: string): DiskRecord[] {
    return this.diskOrder.all().filter((d) => d.attachedTo === instance);
  }

  /** Operations oldest first; the cursor is a position, since operations are never removed. */
  operationPage(
    resourceName: string | undefined,
    token: string | undefined,
    size: number,
  ): Page<OperationRecord> {
    const kind = resourceName === undefined ? "o" : `r:${resourceName}`;
    const start = decodeToken(kind, token) ?? 0;
    if (typeof start !== "number" || !Number.isInteger(start) || start < 0) {
      throw invalidInput("The pageToken is not valid.");
    }
    const list =
      resourceName === undefined
        ? this.operationList
        : (this.operationsByResource.get(resourceName) ?? []);
    const items = list.slice(start, start + size);
    const end = start + items.length;
    return { items, nextPageToken: end < list.length ? encodeToken(kind, end) : undefined };
  }

  orderedSnapshots(): readonly SnapshotRecord[] {
    return this.snapshotOrder.all();
  }

  orderedDisks(): readonly DiskRecord[] {
    return this.diskOrder.all();
  }

  orderedInstances(): readonly InstanceRecord[] {
    return this.instanceOrder.all();
  }

  allOperations(): readonly OperationRecord[] {
    return this.operationList;
  }
}

/** What the state file holds. */
export interface StoreData {
  formatVersion: 1;
  account: string;
  regions: Record<
    string,
    {
      disks: DiskRecord[];
      snapshots: SnapshotRecord[];
      operations: OperationRecord[];
      instances?: InstanceRecord[];
    }
  >;
}

export class Store {
  private readonly regions = new Map<string, RegionStore>();

  constructor(readonly account: string) {}

  region(name: string): RegionStore {
    let r = this.regions.get(name);
    if (!r) {
      r = new RegionStore(name);
      this.regions.set(name, r);
    }
    return r;
  }

  regionNames(): string[] {
    return [...this.regions.keys()];
  }

  toData(): StoreData {
    const regions: StoreData["regions"] = {};
    for (const [name, r] of this.regions) {
      regions[name] = {
        disks: [...r.orderedDisks()],
        instances: [...r.orderedInstances()],
        snapshots: [...r.orderedSnapshots()],
        operations: [...r.allOperations()],
      };
    }
    return { formatVersion: 1, account: this.account, regions };
  }

  static fromData(data: StoreData): Store {
    const store = new Store(data.account);
    for (const [name, r] of Object.entries(data.regions)) store.region(name).load(r);
    return store;
  }
}
