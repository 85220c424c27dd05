/**
 * The local Lightsail emulator, programmatically: `startEmulator()` for tests,
 * the demo and the `snapgate emulator` command.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type CallRecord, type DeletedSnapshot, Engine, type EngineConfig } from "./engine.js";
import { type DeleteFailure, type FaultSettings, Faults, type ScriptedFault } from "./faults.js";
import { resumeInFlight } from "./ops/snapshots.js";
import { readStateFile, StateWriter } from "./persistence.js";
import {
  type DiskRecord,
  diskArn,
  type SnapshotRecord,
  snapshotArn,
  snapshotRecord,
} from "./records.js";
import {
  buildStore,
  type FleetSeed,
  type FleetSeedInput,
  loadSeedFile,
  seedFromObject,
} from "./seed.js";
import { createEmulatorServer } from "./server.js";
import { SigV4Verifier } from "./sigv4.js";
import { Store } from "./store.js";

export type { CallRecord, DeletedSnapshot } from "./engine.js";
export type { DeleteFailure, FaultSettings, ScriptedFault } from "./faults.js";
export type { ErrorType } from "./protocol.js";
export type { FleetSeed, FleetSeedInput } from "./seed.js";
export { loadSeedFile, parseSeedText, seedFromObject } from "./seed.js";

export interface EmulatorOptions {
  /** default 0: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** a fleet YAML path or a seed object */
  seed?: string | FleetSeedInput;
  /** persist state here; an existing file wins over the seed */
  statePath?: string;
  /** page size of GetDiskSnapshots, GetDisks, GetOperations* (default 50) */
  pageSize?: number;
  /** pending → completed after this many ms (default 0: on the next tick) */
  createDelayMs?: number;
  /** sync: a delete is done when the call returns (default); async: after deleteDelayMs */
  deleteMode?: "sync" | "async";
  deleteDelayMs?: number;
  /** what DeleteDiskSnapshot does with a pending snapshot (default allow) */
  pendingDelete?: "allow" | "reject";
  /** applied on top of the seed's `faults:` */
  faults?: FaultSettings;
}

/** A snapshot as tests see it: the stored record with its ARN and a Date. */
export type EmulatorSnapshot = Pick<
  SnapshotRecord,
  | "name"
  | "sizeInGb"
  | "state"
  | "progress"
  | "fromDiskName"
  | "fromDiskArn"
  | "fromInstanceName"
  | "fromInstanceArn"
  | "isFromAutoSnapshot"
  | "tags"
> & { region: string; arn: string; createdAt: Date };

export interface EmulatorDisk {
  region: string;
  name: string;
  arn: string;
  sizeInGb: number;
  state: string;
  tags: Record<string, string>;
}

export interface NewSnapshot {
  name: string;
  fromDisk?: string;
  /** a snapshot of this instance's system disk (no fromDisk) */
  fromInstance?: string;
  createdAt?: Date | string | number;
  sizeInGb?: number;
  state?: "pending" | "completed" | "error" | "unknown";
  tags?: Record<string, string>;
  isFromAutoSnapshot?: boolean;
}

export interface FaultControl {
  setLatency(fixedMs: number, jitterMs?: number): void;
  setRate(perSecond: number | undefined, burst?: number): void;
  setServiceErrorRate(rate: number, seed?: number): void;
  setAccountSetupInProgress(on: boolean): void;
  script(fault: ScriptedFault): void;
  /** the next delete of this snapshot ends with a Failed operation; the snapshot stays */
  failDeleteOperation(name: string, opts?: Omit<DeleteFailure, "name">): void;
  /** holds every call unanswered until the returned function is called (or clear()) */
  hold(): () => void;
  /** removes a snapshot behind everyone's back (not recorded as a deletion); false if absent */
  vanish(region: string, name: string): boolean;
  clear(): void;
}

export interface RunningEmulator {
  url: string;
  port: number;
  account: string;
  faults: FaultControl;
  snapshots(region?: string): EmulatorSnapshot[];
  disks(region?: string): EmulatorDisk[];
  addSnapshot(region: string, snapshot: NewSnapshot): EmulatorSnapshot;
  calls(): CallRecord[];
  deletedSnapshots(): DeletedSnapshot[];
  /** writes the state file now (no-op without statePath) */
  flush(): Promise<void>;
  /** stops timers and the server, then flushes the state */
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed: FleetSeed =
    typeof options.seed === "string"
      ? await loadSeedFile(options.seed)
      : seedFromObject(options.seed ?? {});
  const stored = options.statePath ? await readStateFile(options.statePath) : undefined;
  const store = stored ? Store.fromData(stored) : buildStore(seed, Date.now());
  const faults = new Faults({ ...seed.faults, ...options.faults });

  let writer: StateWriter | undefined;
  const engine = new Engine(store, engineConfig(options), faults, seed.principals, () =>
    writer?.changed(),
  );
  if (options.statePath) {
    writer = new StateWriter(options.statePath, () => store.toData());
    writer.changed();
    await writer.flush();
  }
  resumeInFlight(engine);

  const server = createEmulatorServer(
    engine,
    new SigV4Verifier((key) => engine.secretOf(key)),
    async () => writer?.settled(),
  );
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const regionsOf = (region?: string) => (region === undefined ? store.regionNames() : [region]);
  let closed: Promise<void> | undefined;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    account: store.account,
    faults: faultControl(faults, store, engine),
    snapshots: (region) =>
      regionsOf(region).flatMap((r) =>
        store
          .region(r)
          .orderedSnapshots()
          .map((s) => viewSnapshot(store.account, r, s)),
      ),
    disks: (region) =>
      regionsOf(region).flatMap((r) =>
        store
          .region(r)
          .orderedDisks()
          .map((d) => viewDisk(store.account, r, d)),
      ),
    addSnapshot(region, spec) {
      const record = newSnapshot(store, region, spec);
      store.region(region).addSnapshot(record);
      engine.changed();
      return viewSnapshot(store.account, region, record);
    },
    calls: () => engine.calls.map((c) => ({ ...c })),
    deletedSnapshots: () => engine.deletions.map((d) => ({ ...d })),
    flush: async () => writer?.flush(),
    close() {
      closed ??= (async () => {
        engine.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await writer?.flush();
      })();
      return closed;
    },
  };
}

function engineConfig(options: EmulatorOptions): EngineConfig {
  const config: EngineConfig = {
    pageSize: options.pageSize ?? 50,
    createDelayMs: options.createDelayMs ?? 0,
    deleteMode: options.deleteMode ?? "sync",
    deleteDelayMs: options.deleteDelayMs ?? 0,
    pendingDelete: options.pendingDelete ?? "allow",
  };
  if (!Number.isInteger(config.pageSize) || config.pageSize < 1)
    throw new RangeError("pageSize must be a positive integer");
  return config;
}

/** Listens and resolves with the bound port (a listen error rejects). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function faultControl(faults: Faults, store: Store, engine: Engine): FaultControl {
  return {
    setLatency: (fixed, jitter) => faults.setLatency(fixed, jitter),
    setRate: (rate, burst) => faults.setRate(rate, burst),
    setServiceErrorRate: (rate, s) => faults.setServiceErrorRate(rate, s),
    setAccountSetupInProgress: (on) => faults.setAccountSetupInProgress(on),
    script: (f) => faults.script(f),
    failDeleteOperation: (name, opts) => faults.failDeleteOperation(name, opts),
    hold: () => faults.hold(),
    vanish(region, name) {
      const gone = store.region(region).removeSnapshot(name) !== undefined;
      if (gone) engine.changed();
      return gone;
    },
    clear: () => faults.clear(),
  };
}

const SOURCE_FIELDS = [
  "fromDiskName",
  "fromDiskArn",
  "fromInstanceName",
  "fromInstanceArn",
] as const;

function viewSnapshot(account: string, region: string, s: SnapshotRecord): EmulatorSnapshot {
  const view: EmulatorSnapshot = {
    region,
    name: s.name,
    arn: snapshotArn({ account, region }, s.uuid),
    createdAt: new Date(s.createdAtMs),
    sizeInGb: s.sizeInGb,
    state: s.state,
    progress: s.progress,
    isFromAutoSnapshot: s.isFromAutoSnapshot,
    tags: { ...s.tags },
  };
  // Only the source fields the record has, as Lightsail omits the others.
  for (const field of SOURCE_FIELDS) if (s[field] !== undefined) view[field] = s[field];
  return view;
}

function viewDisk(account: string, region: string, d: DiskRecord): EmulatorDisk {
  return {
    region,
    name: d.name,
    arn: diskArn({ account, region }, d.uuid),
    sizeInGb: d.sizeInGb,
    state: d.state,
    tags: { ...d.tags },
  };
}

/** A test's new snapshot, validated as the seed validates its snapshots. */
function newSnapshot(store: Store, region: string, spec: NewSnapshot): SnapshotRecord {
  const parsed = seedFromObject({
    account: store.account,
    regions: { [region]: { snapshots: [{ ...spec, createdAt: toIso(spec.createdAt) }] } },
  });
  const s = parsed.regions[region]!.snapshots[0]!;
  const disk = s.fromDisk === undefined ? undefined : store.region(region).disks.get(s.fromDisk);
  return snapshotRecord(
    { account: store.account, region },
    {
      name: s.name,
      uuid: randomUUID(),
      createdAtMs: s.createdAt ?? Date.now(),
      sizeInGb: s.sizeInGb ?? disk?.sizeInGb ?? 8,
      state: s.state,
      ...(s.progress !== undefined ? { progress: s.progress } : {}),
      ...(s.fromDisk !== undefined ? { fromDisk: { name: s.fromDisk, uuid: disk?.uuid } } : {}),
      ...(s.fromInstance !== undefined ? { fromInstance: s.fromInstance } : {}),
      isFromAutoSnapshot: s.isFromAutoSnapshot,
      tags: s.tags,
    },
  );
}

function toIso(v: Date | string | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === "string") return v;
  return new Date(v).toISOString();
}
