/** inventory records in a real audit log, and the history an audit reads back from them. */
import { appendFile, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readInventoryHistory, recordInventory } from "../../src/audit-log/inventory-events.js";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
import { inventoryDigest } from "../../src/core/inventory-seen.js";

const s = (name: string) => ({
  region: "us-east-1",
  name,
  arn: `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${name}`,
});

async function freshLog(): Promise<AuditLog> {
  return new AuditLog(
    path.join(await mkdtemp(path.join(tmpdir(), "snapgate-inv-")), "audit.jsonl"),
  );
}

describe("inventory records", () => {
  it("carry the sorted list and an order-independent digest, in the hash chain", async () => {
    const log = await freshLog();
    await recordInventory(log, "audit", ["us-east-1"], [s("b"), s("a")], {
      planDigest: "sha256:p",
    });
    const [r] = await log.readRecords();
    expect(r).toMatchObject({
      type: "inventory",
      by: "audit",
      regions: ["us-east-1"],
      count: 2,
      planDigest: "sha256:p",
      digest: inventoryDigest([s("a"), s("b")]),
      snapshots: [
        ["us-east-1", "a", s("a").arn],
        ["us-east-1", "b", s("b").arn],
      ],
    });
    expect(inventoryDigest([s("a"), s("b")])).toBe(inventoryDigest([s("b"), s("a")]));
    expect(inventoryDigest([s("a")])).not.toBe(inventoryDigest([s("b")]));
    expect((await verifyAuditLog(log.file)).ok).toBe(true);
  });

  it("an unchanged inventory is written as its digest and sameAs, and read back as the full list", async () => {
    const log = await freshLog();
    await recordInventory(log, "plan", ["us-east-1"], [s("a"), s("b")]);
    let h = await readInventoryHistory(log, { window: "last-record" });
    await recordInventory(log, "plan", ["us-east-1"], [s("a"), s("b")], {}, h.last);
    h = await readInventoryHistory(log, { window: "last-record" });
    await recordInventory(log, "plan", ["us-east-1"], [s("b"), s("a")], {}, h.last);
    const records = await log.readRecords();
    expect(
      records.map((r) => [r.seq, r.snapshots === undefined ? `sameAs ${r.sameAs}` : "list"]),
    ).toEqual([
      [1, "list"],
      [2, "sameAs 1"],
      [3, "sameAs 1"],
    ]);
    const last = await readInventoryHistory(log, { window: "last-record" });
    expect(last.seen.map((x) => x.name).sort()).toEqual(["a", "b"]);
    expect(last.seen[0]?.lastSeen).toBe(records[2]?.time);
  });

  it("an audit reads every sighting since the previous audit's record; snapgate's deletes explain", async () => {
    const log = await freshLog();
    await recordInventory(log, "plan", ["us-east-1"], [s("old")]);
    await recordInventory(log, "audit", ["us-east-1"], [s("a"), s("b")]);
    await recordInventory(log, "plan", ["us-east-1"], [s("a"), s("c")]);
    await log.append("delete-result", { arn: s("b").arn, outcome: "deleted" });
    await log.append("delete-result", { arn: s("c").arn, outcome: "failed" });
    const h = await readInventoryHistory(log);
    expect(h.seen.map((x) => [x.name, x.lastSeenBy]).sort()).toEqual([
      ["a", "plan"],
      ["b", "audit"],
      ["c", "plan"],
    ]);
    // only a final outcome explains a disappearance
    expect([...h.deletedBySnapgate]).toEqual([s("b").arn]);
  });

  it("reads nothing from a log that does not exist, and leaves out a torn last line", async () => {
    const log = await freshLog();
    expect((await readInventoryHistory(log)).seen).toEqual([]);
    await recordInventory(log, "audit", ["us-east-1"], [s("a")]);
    await appendFile(log.file, '{"seq":2,"type":"inv');
    expect((await readInventoryHistory(log)).seen.map((x) => x.name)).toEqual(["a"]);
    expect(await readFile(log.file, "utf8")).toContain('"type":"inv');
  });
});
