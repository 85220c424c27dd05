import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";

async function freshLog(n: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "snapgate-audit-"));
  const file = path.join(dir, "audit.jsonl");
  const log = new AuditLog(file);
  for (let i = 0; i < n; i++)
    await log.append("delete-intent", { name: `snap-${i}`, region: "us-east-1" });
  return file;
}

const lines = async (file: string) => (await readFile(file, "utf8")).trimEnd().split("\n");

describe("audit log hash chain", () => {
  it("verifies an intact log, including concurrent appends from one process", async () => {
    const file = await freshLog(3);
    const log = new AuditLog(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.append("decision", { i })));
    const result = await verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, records: 23 });
  });

  it("lists delete intents that have no result for the same plan and snapshot", async () => {
    const file = await freshLog(0);
    const log = new AuditLog(file);
    const A = `sha256:${"a".repeat(64)}`;
    const B = `sha256:${"b".repeat(64)}`;
    const intent = (planDigest: string, name: string) =>
      log.append("delete-intent", { planDigest, region: "us-east-1", name });
    const result = (planDigest: string, name: string) =>
      log.append("delete-result", { planDigest, region: "us-east-1", name, outcome: "deleted" });
    await intent(A, "web-1");
    await result(A, "web-1");
    await intent(A, "web-2"); // crashed here
    await intent(B, "web-3");
    await result(B, "web-3");
    await intent(B, "web-2"); // another plan's result does not close plan A's intent
    await result(B, "web-2");
    const verified = await verifyAuditLog(file);
    expect(verified.ok && verified.openIntents).toEqual([
      { seq: 3, planDigest: A, region: "us-east-1", name: "web-2" },
    ]);
    await result(A, "web-2"); // settled by a later run
    const after = await verifyAuditLog(file);
    expect(after.ok && after.openIntents).toEqual([]);
  });

  it("keeps one chain when two writers (two AuditLog instances) append at once", async () => {
    const file = await freshLog(0);
    const a = new AuditLog(file);
    const b = new AuditLog(file);
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).append("decision", { i })),
    );
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 30 });
  });

  it("detects an edited record", async () => {
    const file = await freshLog(4);
    const ls = await lines(file);
    ls[1] = ls[1]!.replace("snap-1", "snap-X");
    await writeFile(file, `${ls.join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      line: 2,
      problem: expect.stringContaining("edited"),
    });
  });

  it("names the line of a record nested too deeply to hash, rather than overflowing", async () => {
    const file = await freshLog(4);
    const ls = await lines(file);
    const record = JSON.parse(ls[2]!) as Record<string, unknown>;
    const deep = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    ls[2] = JSON.stringify({ ...record, padding: 0 }).replace('"padding":0', `"padding":${deep}`);
    await writeFile(file, `${ls.join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      line: 3,
      problem: expect.stringContaining("nested deeper than 1000 levels"),
    });
  });

  it("detects a removed record", async () => {
    const file = await freshLog(4);
    const ls = await lines(file);
    ls.splice(2, 1);
    await writeFile(file, `${ls.join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 3 });
  });

  it("detects reordered records", async () => {
    const file = await freshLog(4);
    const ls = await lines(file);
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    await writeFile(file, `${ls.join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 2 });
  });

  it("detects records cut off the end through the head file", async () => {
    const file = await freshLog(4);
    const ls = await lines(file);
    await writeFile(file, `${ls.slice(0, 3).join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      problem: expect.stringContaining("cut off"),
    });
  });

  it("cuts off a partial last record left by a crash mid-write, records that, and goes on", async () => {
    const file = await freshLog(3);
    await writeFile(file, `${await readFile(file, "utf8")}{"seq":4,"time":"2026-`, { flag: "w" });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 4 });
    await new AuditLog(file).append("decision", { after: "crash" });
    const ls = await lines(file);
    expect(JSON.parse(ls[3]!)).toMatchObject({ type: "audit-repair", seq: 4 });
    expect(JSON.parse(ls[3]!).removedPartialRecord.length).toBe(`{"seq":4,"time":"2026-`.length);
    expect(JSON.parse(ls[4]!)).toMatchObject({ type: "decision", seq: 5, after: "crash" });
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 5 });
  });

  it("refuses to append after a complete last line that is not JSON", async () => {
    const file = await freshLog(2);
    await writeFile(file, `${await readFile(file, "utf8")}garbage\n`, { flag: "w" });
    await expect(new AuditLog(file).append("decision", {})).rejects.toThrow(
      /not valid JSON .* audit-log verify/,
    );
  });

  it("detects a record whose hash was recomputed after an edit (the next prev breaks)", async () => {
    const file = await freshLog(3);
    const ls = await lines(file);
    const rec = JSON.parse(ls[0]!);
    rec.name = "forged";
    const { hash: _h, ...body } = rec;
    const { recordHash } = await import("../../src/audit-log/log.js");
    rec.hash = recordHash(rec.prev, body);
    ls[0] = JSON.stringify(rec);
    await writeFile(file, `${ls.join("\n")}\n`);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: false, line: 2 });
  });
});
