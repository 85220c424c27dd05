/**
 * serve reads the inventory history on from where its previous reconcile stopped. Whatever was
 * appended in between (plans and audits by several writers, unchanged lists written as sameAs,
 * delete results), the history it gets is the one a full read of the whole log gives, by the
 * definition below (the whole-log algorithm this reader replaced). Real audit log files.
 */
import { appendFile, mkdtemp, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type HistoryWindow,
  InventoryHistoryReader,
  recordInventory,
} from "../../src/audit-log/inventory-events.js";
import { AuditLog, type AuditRecord } from "../../src/audit-log/log.js";
import type { InventoryHistory } from "../../src/core/inventory-seen.js";

const snap = (name: string) => ({
  region: name < "c" ? "us-east-1" : "eu-west-1",
  name,
  arn: `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${name}`,
});
const NAMES = ["a", "b", "c", "d", "e"];

async function freshLog(): Promise<AuditLog> {
  return new AuditLog(path.join(await mkdtemp(path.join(tmpdir(), "snapgate-hist-")), "a.jsonl"));
}

/** The definition: the history from every record of the log at once. */
function definition(records: readonly AuditRecord[], window: HistoryWindow) {
  const inventories = records.filter((r) => r.type === "inventory");
  let start = 0;
  if (window === "last-record") start = Math.max(0, inventories.length - 1);
  else
    for (let i = inventories.length - 1; i >= 0; i--)
      if (inventories[i]?.by === "audit") {
        start = i;
        break;
      }
  const lists = new Map<number, { seq: number; rows: [string, string, string][] }>();
  for (const r of inventories) {
    const own = r.snapshots as [string, string, string][] | undefined;
    lists.set(
      r.seq,
      own ? { seq: r.seq, rows: own } : (lists.get(r.sameAs as number) ?? { seq: r.seq, rows: [] }),
    );
  }
  const seen = new Map<string, unknown>();
  const regions = new Set<string>();
  for (const r of inventories.slice(start)) {
    for (const region of r.regions as string[]) regions.add(region);
    for (const [region, name, arn] of lists.get(r.seq)?.rows ?? [])
      seen.set(arn, { region, name, arn, lastSeen: r.time, lastSeenBy: r.by });
  }
  const deleted = records
    .filter(
      (r) => r.type === "delete-result" && ["deleted", "absent"].includes(r.outcome as string),
    )
    .map((r) => r.arn as string);
  const newest = inventories.at(-1);
  return {
    seen: [...seen.values()],
    deletedBySnapgate: [...new Set(deleted)].sort(),
    regions: [...regions],
    last: newest
      ? { digest: newest.digest, listSeq: lists.get(newest.seq)?.seq ?? newest.seq }
      : undefined,
  };
}

const comparable = (h: InventoryHistory) => ({
  seen: h.seen,
  deletedBySnapgate: [...h.deletedBySnapgate].sort(),
  regions: h.regions,
  last: h.last,
});

type Op =
  | {
      kind: "inventory";
      by: "plan" | "audit";
      names: readonly string[];
      unchanged: boolean;
      writer: 0 | 1;
    }
  | { kind: "delete"; name: string; outcome: "deleted" | "absent" | "failed" }
  | { kind: "read" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("inventory" as const),
    by: fc.constantFrom("plan" as const, "audit" as const),
    // few distinct lists, so that unchanged ones (written as sameAs) are common
    names: fc.constantFrom(["a", "b"], ["c"], ["a", "b", "c", "d", "e"], []),
    unchanged: fc.boolean(),
    writer: fc.constantFrom(0 as const, 1 as const),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    name: fc.constantFrom(...NAMES),
    outcome: fc.constantFrom("deleted" as const, "absent" as const, "failed" as const),
  }),
  fc.constant({ kind: "read" as const }),
);

describe("InventoryHistoryReader", () => {
  it("read on from its cursor, gives what a read of the whole log gives, in both windows", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 24 }), async (ops) => {
        const log = await freshLog();
        const readers = {
          "last-record": new InventoryHistoryReader(log, "last-record"),
          "since-last-audit": new InventoryHistoryReader(log, "since-last-audit"),
        };
        // two writers (serve replicas), each writing sameAs against the newest list it has read
        const writers = [
          new InventoryHistoryReader(log, "last-record"),
          new InventoryHistoryReader(log, "last-record"),
        ];
        const lastSeenBy: (InventoryHistory["last"] | undefined)[] = [undefined, undefined];
        for (const o of [...ops, { kind: "read" as const }]) {
          if (o.kind === "inventory") {
            const previous = o.unchanged ? lastSeenBy[o.writer] : undefined;
            await recordInventory(log, o.by, ["us-east-1"], o.names.map(snap), {}, previous);
            lastSeenBy[o.writer] = (await writers[o.writer]!.read()).last;
          } else if (o.kind === "delete") {
            await log.append("delete-result", { arn: snap(o.name).arn, outcome: o.outcome });
          } else {
            const records = await log.readRecords();
            for (const window of ["last-record", "since-last-audit"] as const) {
              const got = comparable(await readers[window].read());
              const want = definition(records, window);
              expect({ ...got, last: got.last ?? undefined }).toEqual(want);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it("resolves a sameAs written by a replica that had not read another's newer lists", async () => {
    const log = await freshLog();
    const replicaA = new InventoryHistoryReader(log, "last-record");
    await recordInventory(log, "plan", ["us-east-1"], [snap("a"), snap("b")]);
    const seenByA = (await replicaA.read()).last;
    await recordInventory(log, "plan", ["us-east-1"], [snap("c")]);
    await recordInventory(log, "plan", ["us-east-1"], [snap("d")]);
    // A still believes the newest list is its own: the unchanged list is written as sameAs 1
    await recordInventory(log, "plan", ["us-east-1"], [snap("a"), snap("b")], {}, seenByA);
    const records = await log.readRecords();
    expect(records.at(-1)?.sameAs).toBe(1);
    const history = await new InventoryHistoryReader(log, "last-record").read();
    expect(history.seen.map((x) => x.name).sort()).toEqual(["a", "b"]);
  });

  it("reads only what was appended since its cursor, and a line still being written next time", async () => {
    const log = await freshLog();
    await recordInventory(log, "plan", ["us-east-1"], [snap("a")]);
    const first = await log.readRecordsAfter();
    expect(first.records.map((r) => r.seq)).toEqual([1]);
    await recordInventory(log, "plan", ["us-east-1"], [snap("b")]);
    const second = await log.readRecordsAfter(first.cursor);
    expect(second.records.map((r) => r.seq)).toEqual([2]);
    // a writer halfway through a line: not a record yet, and the cursor stays before it
    await appendFile(log.file, '{"seq":3,"type":"inv');
    const torn = await log.readRecordsAfter(second.cursor);
    expect(torn.records).toEqual([]);
    expect(torn.cursor).toEqual(second.cursor);
    await appendFile(log.file, 'entory"}\n');
    const completed = await log.readRecordsAfter(torn.cursor);
    expect(completed.records.map((r) => r.seq)).toEqual([3]);
  });

  it("refuses a log that became shorter than what it had read (cut or replaced)", async () => {
    const log = await freshLog();
    await recordInventory(log, "plan", ["us-east-1"], [snap("a")]);
    await recordInventory(log, "plan", ["us-east-1"], [snap("b")]);
    const reader = new InventoryHistoryReader(log, "last-record");
    await reader.read();
    await truncate(log.file, 10);
    await expect(reader.read()).rejects.toThrow(/shorter than when it was last read/);
  });
});
