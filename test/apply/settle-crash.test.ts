/**
 * A crash between the two writes of settling an interrupted delete: the audit
 * result is written, the journal result is not. The next settling must record
 * it again, so that neither the journal nor the audit log keeps an open intent.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { DeleteDiskSnapshotCommand } from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it, vi } from "vitest";
import { settleInterrupted } from "../../src/apply/interrupted.js";
import { Journal, journalPath, openMarkerPath } from "../../src/apply/journal.js";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { DirStateStore } from "../../src/state/store.js";
import { ACCOUNT, makeWorld, type World } from "../helpers/scenario.js";

const CRASHED_PLAN = `sha256:${"c".repeat(64)}`;
const CURRENT_PLAN = `sha256:${"d".repeat(64)}`;
let world: World | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await world?.close();
  world = undefined;
});

class Crash extends Error {}

describe("a crash between the audit and the journal write of a settled delete", () => {
  it("leaves no open intent once the next run settles again", async () => {
    world = await makeWorld();
    const w = world;
    const clients = lightsailClientFactory({ endpoint: w.emulator.url });
    const arn = w.emulator.snapshots("us-east-1").find((s) => s.name === "web-old")?.arn;
    if (!arn) throw new Error("the scenario has web-old");
    const audit = new AuditLog(path.join(w.stateDir, "audit.jsonl"));

    // An earlier run journalled and audited its intent, and its delete landed; then it died.
    const crashed = await Journal.open(journalPath(w.stateDir, CRASHED_PLAN));
    await crashed.intent("us-east-1/web-old", arn);
    const intent = { runId: "run-1", planDigest: CRASHED_PLAN, region: "us-east-1" };
    await audit.append("delete-intent", { ...intent, name: "web-old", arn });
    writeFileSync(openMarkerPath(w.stateDir, CRASHED_PLAN), ACCOUNT);
    await clients("us-east-1").send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-old" }));

    // Settling dies right after the first of its two writes, whichever that one is.
    const writes: string[] = [];
    const crashOnSecondWrite = (what: string) => {
      writes.push(what);
      if (writes.length === 2) throw new Crash(what);
    };
    const appendAudit = AuditLog.prototype.append;
    vi.spyOn(AuditLog.prototype, "append").mockImplementation(function (this: AuditLog, ...args) {
      if (args[0] === "delete-result") crashOnSecondWrite("audit");
      return appendAudit.apply(this, args);
    });
    const writeJournal = Journal.prototype.result;
    vi.spyOn(Journal.prototype, "result").mockImplementation(function (this: Journal, ...args) {
      crashOnSecondWrite("journal");
      return writeJournal.apply(this, args);
    });
    const settle = (runId: string) =>
      settleInterrupted({
        store: new DirStateStore(w.stateDir),
        account: ACCOUNT,
        currentDigest: CURRENT_PLAN,
        clients,
        audit,
        runId,
      });
    await expect(settle("run-2")).rejects.toBeInstanceOf(Crash);
    expect(writes).toEqual(["audit", "journal"]);
    vi.restoreAllMocks();
    const afterCrash = await Journal.open(journalPath(w.stateDir, CRASHED_PLAN));
    expect(afterCrash.interrupted().map((i) => i.key)).toEqual(["us-east-1/web-old"]);

    // The next run finds the item still in flight and settles it for good.
    const settled = await settle("run-3");
    expect(settled).toEqual([
      { planDigest: CRASHED_PLAN, region: "us-east-1", name: "web-old", outcome: "absent" },
    ]);
    const journal = await Journal.open(journalPath(w.stateDir, CRASHED_PLAN));
    expect(journal.interrupted()).toEqual([]);
    expect(journal.state("us-east-1/web-old")?.result?.outcome).toBe("absent");
    const verified = await verifyAuditLog(audit.file);
    expect(verified.ok).toBe(true);
    expect(verified.ok && verified.openIntents).toEqual([]);
    // nothing was deleted by settling
    expect(w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot").length).toBe(1);
  });
});
