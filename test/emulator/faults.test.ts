import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetOperationCommand,
  GetRegionsCommand,
  NotFoundException,
} from "@aws-sdk/client-lightsail";
import { describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/index.js";
import { eventually, fleet, lightsail, useEmulators } from "./helpers.js";

const start = useEmulators();

async function outcomes(emu: RunningEmulator, n: number): Promise<string[]> {
  const client = lightsail(emu, { maxAttempts: 1 });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await client.send(new GetRegionsCommand({})).then(
        () => "ok",
        (e: Error) => e.name,
      ),
    );
  }
  return out;
}

describe("faults", () => {
  it("hold(): calls wait unanswered (and change nothing) until released, then all are answered", async () => {
    const emu = await start({ seed: fleet(2) });
    const client = lightsail(emu, { maxAttempts: 1 });
    const release = emu.faults.hold();
    let answered = 0;
    const calls = [
      client.send(new GetRegionsCommand({})),
      client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" })),
    ].map((p) => p.then(() => answered++));
    // Give the calls time to arrive (a broken hold would answer them meanwhile); the
    // pass does not depend on how long they take.
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(0);
    expect(emu.calls()).toEqual([]);
    expect(emu.deletedSnapshots()).toEqual([]);
    release();
    await Promise.all(calls);
    expect(answered).toBe(2);
    expect(emu.deletedSnapshots().map((d) => d.name)).toEqual(["web-data-0000"]);
  });

  it("fails a delete's operation while the snapshot stays, then lets the next delete through", async () => {
    const emu = await start({ seed: fleet(1) });
    emu.faults.failDeleteOperation("web-data-0000", {
      errorCode: "DiskBusy",
      errorDetails: "busy",
    });
    const client = lightsail(emu);
    const first = await client.send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    expect(first.operations![0]).toMatchObject({
      status: "Failed",
      isTerminal: true,
      errorCode: "DiskBusy",
      errorDetails: "busy",
    });
    expect(emu.snapshots()).toHaveLength(1);
    expect(emu.deletedSnapshots()).toHaveLength(0);
    const second = await client.send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    expect(second.operations![0]!.status).toBe("Succeeded");
    expect(emu.snapshots()).toHaveLength(0);
  });

  it("fails an asynchronous delete's operation later, with the snapshot kept", async () => {
    const emu = await start({ seed: fleet(1), deleteMode: "async", deleteDelayMs: 50 });
    emu.faults.failDeleteOperation("web-data-0000");
    const client = lightsail(emu);
    const { operations } = await client.send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    expect(operations![0]!.status).toBe("Started");
    const done = await eventually(async () => {
      const { operation } = await client.send(
        new GetOperationCommand({ operationId: operations![0]!.id! }),
      );
      return operation?.isTerminal ? operation : undefined;
    });
    expect(done).toMatchObject({ status: "Failed", errorCode: "InternalError" });
    expect(emu.snapshots()).toHaveLength(1);
  });

  it("makes a snapshot vanish without recording a deletion", async () => {
    const emu = await start({ seed: fleet(2) });
    expect(emu.faults.vanish("us-east-1", "web-data-0001")).toBe(true);
    expect(emu.faults.vanish("us-east-1", "web-data-0001")).toBe(false);
    const client = lightsail(emu, { maxAttempts: 1 });
    const err = await client
      .send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" }))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(NotFoundException);
    expect(emu.deletedSnapshots()).toEqual([]);
  });

  it("scripts failures per snapshot name for a given count", async () => {
    const emu = await start({ seed: fleet(2) });
    emu.faults.script({
      snapshotName: "web-data-0001",
      exception: "OperationFailureException",
      count: 2,
    });
    const client = lightsail(emu, { maxAttempts: 1 });
    const get = (name: string) =>
      client.send(new GetDiskSnapshotCommand({ diskSnapshotName: name })).then(
        () => "ok",
        (e: Error) => e.name,
      );
    expect([
      await get("web-data-0000"),
      await get("web-data-0001"),
      await get("web-data-0001"),
      await get("web-data-0001"),
    ]).toEqual(["ok", "OperationFailureException", "OperationFailureException", "ok"]);
  });

  it("throttles with a token bucket", async () => {
    const emu = await start({ faults: { ratePerSecond: 2, burst: 3 } });
    const got = await outcomes(emu, 6);
    expect(got.slice(0, 3)).toEqual(["ok", "ok", "ok"]);
    expect(got).toContain("ThrottlingException");
    emu.faults.setRate(undefined);
    expect(await outcomes(emu, 3)).toEqual(["ok", "ok", "ok"]);
  });

  it("injects random ServiceExceptions reproducibly from a seed", async () => {
    const a = await start({ faults: { serviceErrorRate: 0.5, randomSeed: 42 } });
    const b = await start({ faults: { serviceErrorRate: 0.5, randomSeed: 42 } });
    const ra = await outcomes(a, 20);
    expect(await outcomes(b, 20)).toEqual(ra);
    expect(ra).toContain("ServiceException");
    expect(ra).toContain("ok");
  });

  it("switches AccountSetupInProgressException on and off", async () => {
    const emu = await start({});
    emu.faults.setAccountSetupInProgress(true);
    expect(await outcomes(emu, 1)).toEqual(["AccountSetupInProgressException"]);
    emu.faults.setAccountSetupInProgress(false);
    expect(await outcomes(emu, 1)).toEqual(["ok"]);
  });

  it("adds latency before answering", async () => {
    const emu = await start({ faults: { latencyMs: 120 } });
    const started = performance.now();
    await outcomes(emu, 1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(115);
  });

  it("applies a call's effect when it arrives; only the answer waits for the latency", async () => {
    const emu = await start({ seed: fleet(1), faults: { latencyMs: 1000 } });
    let answered = false;
    const pending = lightsail(emu)
      .send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }))
      .then((out) => {
        answered = true;
        return out;
      });
    // the delete has landed while its caller is still waiting: a crash now loses only the answer
    await eventually(async () => (emu.snapshots().length === 0 ? true : undefined));
    // and the caller has not been answered yet (were the effect applied at the answer, it would have been)
    expect(answered).toBe(false);
    expect((await pending).operations![0]!.status).toBe("Succeeded");
  });
});
