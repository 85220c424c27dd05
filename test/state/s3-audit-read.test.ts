/**
 * Reading the audit log on S3 back (AuditReader): every record of every
 * segment in order, so the deleted-outside comparison works on S3 state
 * exactly as on a local log. Real S3: the Versity gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  InventoryHistoryReader,
  readInventoryHistory,
  recordInventory,
} from "../../src/audit-log/inventory-events.js";
import { S3AuditLog } from "../../src/audit-log/s3-audit.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("audit-read");
});
afterAll(async () => {
  await gw?.stop();
});

const snap = (name: string) => ({
  region: "us-east-1",
  name,
  arn: `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${name}`,
});

describe("S3AuditLog.readRecords", () => {
  it("reads every record of every segment in order, and the inventory history from them", async () => {
    const log = new S3AuditLog(gw.store("audit-read", "log1", gw.newClient()));
    expect(await log.readRecords()).toEqual([]);
    await recordInventory(log, "audit", ["us-east-1"], [snap("a"), snap("b")]);
    await log.appendMany([
      { type: "delete-intent", fields: { arn: snap("a").arn } },
      { type: "delete-result", fields: { arn: snap("a").arn, outcome: "deleted" } },
    ]);
    const records = await log.readRecords();
    expect(records.map((r) => [r.seq, r.type])).toEqual([
      [1, "inventory"],
      [2, "delete-intent"],
      [3, "delete-result"],
    ]);
    const history = await readInventoryHistory(log);
    expect(history.seen.map((s) => s.name).sort()).toEqual(["a", "b"]);
    expect([...history.deletedBySnapgate]).toEqual([snap("a").arn]);
  });

  it("reads on from a cursor: only the segments written after it, and serve's history from them", async () => {
    const log = new S3AuditLog(gw.store("audit-read", "log2", gw.newClient()));
    const empty = await log.readRecordsAfter();
    expect(empty.records).toEqual([]);
    await recordInventory(log, "plan", ["us-east-1"], [snap("a"), snap("b")]);
    const first = await log.readRecordsAfter(empty.cursor);
    expect(first.records.map((r) => r.seq)).toEqual([1]);
    await log.append("delete-result", { arn: snap("a").arn, outcome: "deleted" });
    await recordInventory(log, "plan", ["us-east-1"], [snap("b")]);
    const second = await log.readRecordsAfter(first.cursor);
    expect(second.records.map((r) => [r.seq, r.type])).toEqual([
      [2, "delete-result"],
      [3, "inventory"],
    ]);
    expect((await log.readRecordsAfter(second.cursor)).records).toEqual([]);
    // a reader kept across reads (serve's) ends where one reading the whole log does
    const kept = new InventoryHistoryReader(
      new S3AuditLog(gw.store("audit-read", "log2", gw.newClient())),
      "last-record",
    );
    await kept.read();
    await recordInventory(log, "plan", ["us-east-1"], [snap("c")]);
    const whole = await readInventoryHistory(log, { window: "last-record" });
    const incremental = await kept.read();
    expect(incremental.seen).toEqual(whole.seen);
    expect([...incremental.deletedBySnapgate]).toEqual([snap("a").arn]);
  });

  it("a read on from a cursor fetches only the segments added since", async () => {
    const client = gw.newClient();
    let gets = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        if ((args.input as { Key?: string }).Key?.includes("/audit/segments/")) gets++;
        return next(args);
      },
      { step: "initialize", name: "testCountSegmentGets" },
    );
    const store = gw.store("audit-read", "log3", client);
    const writer = new S3AuditLog(gw.store("audit-read", "log3", gw.newClient()));
    for (let i = 0; i < 5; i++) await writer.append("reconcile", { run: i });
    const reader = new S3AuditLog(store);
    const read = await reader.readRecordsAfter();
    expect(read.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    const first = gets;
    await writer.append("reconcile", { run: 5 });
    const again = await reader.readRecordsAfter(read.cursor);
    expect(again.records.map((r) => r.seq)).toEqual([6]);
    expect([...read.records, ...again.records]).toEqual(
      await new S3AuditLog(gw.store("audit-read", "log3")).readRecords(),
    );
    expect(gets - first).toBe(1);
  });
});
