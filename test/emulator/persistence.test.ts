import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateDiskSnapshotCommand,
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  GetOperationCommand,
  GetRegionsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-lightsail";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { startEmulator } from "../../src/emulator/index.js";
import { eventually, fleet, lightsail } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapgate-emu-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("state file", () => {
  it("after a failed write it retries by itself: later requests are answered, not left waiting", async () => {
    const stateDir = join(dir, "state");
    await mkdir(stateDir);
    const emu = await startEmulator({ seed: fleet(3), statePath: join(stateDir, "state.json") });
    try {
      const client = lightsail(emu, { maxAttempts: 1 });
      // The directory disappears: the delete cannot be made durable, so it is not acknowledged.
      await rename(stateDir, `${stateDir}-gone`);
      const del = await client
        .send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" }))
        .then(
          () => "ok",
          (e: Error) => e.name,
        );
      expect(del).not.toBe("ok");
      // The disk comes back; a read (no mutation of its own) is answered once a retry lands.
      await rename(`${stateDir}-gone`, stateDir);
      const regions = await client.send(new GetRegionsCommand({}));
      expect(regions.regions?.length).toBeGreaterThan(0);
      const onDisk = JSON.parse(await readFile(join(stateDir, "state.json"), "utf8"));
      const names = onDisk.regions["us-east-1"].snapshots.map((x: { name: string }) => x.name);
      expect(names).not.toContain("web-data-0001");
    } finally {
      await emu.close();
    }
  });

  it("survives a restart, and wins over the seed", async () => {
    const statePath = join(dir, "state.json");
    const first = await startEmulator({ seed: fleet(3), statePath });
    const client = lightsail(first);
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" }));
    const created = await client.send(
      new CreateDiskSnapshotCommand({ diskSnapshotName: "s-new", diskName: "web-data" }),
    );
    await client.send(
      new TagResourceCommand({
        resourceName: "web-data-0002",
        tags: [{ key: "tier", value: "gold" }],
      }),
    );
    await eventually(async () =>
      first.snapshots().find((s) => s.name === "s-new")?.state === "completed" ? true : undefined,
    );
    const before = first.snapshots();
    await first.close();

    const second = await startEmulator({ seed: fleet(10), statePath });
    try {
      expect(second.snapshots()).toEqual(before);
      const listed = await lightsail(second).send(new GetDiskSnapshotsCommand({}));
      expect(listed.diskSnapshots!.map((s) => s.name).sort()).toEqual([
        "s-new",
        "web-data-0000",
        "web-data-0002",
      ]);
      const { operation } = await lightsail(second).send(
        new GetOperationCommand({ operationId: created.operations![0]!.id! }),
      );
      expect(operation).toMatchObject({ status: "Succeeded", isTerminal: true });
    } finally {
      await second.close();
    }
  });

  it("reaches disk within milliseconds of a mutation, without close()", async () => {
    const statePath = join(dir, "state.json");
    const emu = await startEmulator({ seed: fleet(2), statePath });
    try {
      await lightsail(emu).send(
        new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
      );
      const onDisk = await eventually(async () => {
        const data = JSON.parse(await readFile(statePath, "utf8"));
        const names = data.regions["us-east-1"].snapshots.map((s: { name: string }) => s.name);
        return names.includes("web-data-0000") ? undefined : names;
      }, 1_000);
      expect(onDisk).toEqual(["web-data-0001"]);
      expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it("finishes an in-flight asynchronous delete after a restart", async () => {
    const statePath = join(dir, "state.json");
    const first = await startEmulator({
      seed: fleet(1),
      statePath,
      deleteMode: "async",
      deleteDelayMs: 200,
    });
    const { operations } = await lightsail(first).send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    await first.close();
    const second = await startEmulator({ statePath, deleteMode: "async" });
    try {
      const done = await eventually(async () => {
        const { operation } = await lightsail(second).send(
          new GetOperationCommand({ operationId: operations![0]!.id! }),
        );
        return operation?.isTerminal ? operation : undefined;
      });
      expect(done.status).toBe("Succeeded");
      expect(second.snapshots()).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("refuses a corrupt state file with a located error", async () => {
    const statePath = join(dir, "state.json");
    await writeFile(statePath, "{ not json");
    const err = await startEmulator({ statePath }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).code).toBe("BadInput");
    expect((err as SnapgateError).message).toContain(statePath);
  });
});
