/**
 * Fleet seed loading: a YAML file (located errors, all at once) or an object,
 * and turning a validated seed into a Store with stable ARNs.
 */
import { readFile } from "node:fs/promises";
import { badInput, type InputIssue } from "../core/errors.js";
import { decodeUtf8 } from "../core/utf8.js";
import { parseYamlFile, validateDocument } from "../core/yaml-located.js";
import { parsePlainYaml } from "../core/yaml-plain.js";
import {
  type DiskRecord,
  type InstanceRecord,
  type SnapshotRecord,
  snapshotRecord,
  stableUuid,
  supportCode,
} from "./records.js";
import { type FleetSeed, type FleetSeedInput, fleetSchema } from "./seed-schema.js";
import { Store } from "./store.js";

export type { FleetSeed, FleetSeedInput } from "./seed-schema.js";

/** Fleets can be large (benchmarks seed 10,000+ snapshots): allow more than a config file. */
const MAX_SEED_BYTES = 256 * 1024 * 1024;

/** Parse and validate seed YAML; throws SnapgateError(BadInput) listing every located issue. */
export function parseSeedText(file: string, text: string): FleetSeed {
  // The fast path: plain YAML that validates. Anything else (and every error, which
  // needs its line and column) goes through the located parser, which gives the same
  // value for the same text, only more slowly.
  const plain = text.length <= MAX_SEED_BYTES ? parsePlainYaml(text) : undefined;
  if (plain !== undefined) {
    const result = fleetSchema.safeParse(plain.value);
    if (result.success) return result.data;
  }
  return parseLocatedSeed(file, text);
}

/** The full parser: every located issue, or the seed. */
function parseLocatedSeed(file: string, text: string): FleetSeed {
  const parsed = parseYamlFile(file, text, { maxBytes: MAX_SEED_BYTES });
  if (parsed.issues.length > 0) throw badInput(parsed.issues);
  if (parsed.documents.length !== 1) {
    throw badInput([
      {
        file,
        line: 1,
        col: 1,
        message: `expected exactly one YAML document, found ${parsed.documents.length}`,
      },
    ]);
  }
  const doc = parsed.documents[0]!;
  const result = validateDocument(file, doc, fleetSchema);
  if (!result.ok) throw badInput(result.issues);
  return result.value;
}

export async function loadSeedFile(path: string): Promise<FleetSeed> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw badInput([{ file: path, message: `cannot read the seed: ${(err as Error).message}` }]);
  }
  // Refuse invalid UTF-8 where it is, rather than silently replacing it.
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    throw badInput([
      { file: path, line: decoded.line, col: decoded.col, message: "not valid UTF-8" },
    ]);
  }
  return parseSeedText(path, decoded.text);
}

/** Validate a seed given as an object (no positions: issues name the field). */
export function seedFromObject(value: FleetSeedInput | unknown, label = "<seed>"): FleetSeed {
  const result = fleetSchema.safeParse(value);
  if (result.success) return result.data;
  const issues: InputIssue[] = result.error.issues.map((i) => ({
    file: label,
    field: i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
      .join(".")
      .replace(/\.\[/g, "["),
    message: i.message,
  }));
  throw badInput(issues);
}

/** A fresh store holding the seed's resources; seeded ARNs derive from account, region and name. */
export function buildStore(seed: FleetSeed, nowMs: number): Store {
  const store = new Store(seed.account);
  for (const [regionName, r] of Object.entries(seed.regions)) {
    const region = store.region(regionName);
    const ctx = { account: seed.account, region: regionName };
    const disks: DiskRecord[] = r.disks.map((d) => {
      const uuid = stableUuid(seed.account, regionName, "Disk", d.name);
      return {
        name: d.name,
        uuid,
        createdAtMs: d.createdAt ?? nowMs,
        sizeInGb: d.sizeInGb,
        state: d.state ?? (d.attachedTo ? "in-use" : "available"),
        ...(d.attachedTo !== undefined ? { attachedTo: d.attachedTo } : {}),
        ...(d.path !== undefined ? { path: d.path } : {}),
        isSystemDisk: d.isSystemDisk,
        iops: d.iops,
        tags: { ...d.tags },
        supportCode: supportCode(seed.account, "vol", uuid),
      };
    });
    const instances: InstanceRecord[] = r.instances.map((i, index) =>
      instanceRecord(seed.account, regionName, i, index, nowMs),
    );
    const diskByName = new Map(disks.map((d) => [d.name, d]));
    const snapshots: SnapshotRecord[] = r.snapshots.map((s) =>
      snapshotRecord(ctx, {
        name: s.name,
        uuid: stableUuid(seed.account, regionName, "DiskSnapshot", s.name),
        createdAtMs: s.createdAt ?? nowMs,
        sizeInGb: s.sizeInGb ?? diskByName.get(s.fromDisk ?? "")?.sizeInGb ?? 8,
        state: s.state,
        ...(s.progress !== undefined ? { progress: s.progress } : {}),
        // A snapshot may outlive its disk: the gone disk keeps a stable ARN too.
        ...(s.fromDisk !== undefined
          ? { fromDisk: { name: s.fromDisk, uuid: diskByName.get(s.fromDisk)?.uuid } }
          : {}),
        ...(s.fromInstance !== undefined ? { fromInstance: s.fromInstance } : {}),
        isFromAutoSnapshot: s.isFromAutoSnapshot,
        tags: s.tags,
      }),
    );
    region.load({ disks, instances, snapshots, operations: [] });
  }
  return store;
}

const BLUEPRINT_NAMES: Readonly<Record<string, string>> = {
  amazon_linux_2023: "Amazon Linux 2023",
  ubuntu_24_04: "Ubuntu",
  debian_12: "Debian",
  wordpress: "WordPress",
  windows_server_2022: "Windows Server 2022",
};

/** A seeded instance, with the stable UUID its system-disk snapshots already name. */
export function instanceRecord(
  account: string,
  regionName: string,
  i: FleetSeed["regions"][string]["instances"][number],
  index: number,
  nowMs: number,
): InstanceRecord {
  const uuid = stableUuid(account, regionName, "Instance", i.name);
  const host = (index % 250) + 2;
  return {
    name: i.name,
    uuid,
    createdAtMs: i.createdAt ?? nowMs,
    blueprintId: i.blueprintId,
    blueprintName: BLUEPRINT_NAMES[i.blueprintId] ?? i.blueprintId,
    bundleId: i.bundleId,
    state: i.state,
    systemDiskSizeInGb: i.systemDiskSizeInGb,
    privateIpAddress: `172.26.0.${host}`,
    publicIpAddress: `192.0.2.${host}`,
    tags: { ...i.tags },
    supportCode: supportCode(account, "i", uuid),
  };
}
