import {
  CreateDiskSnapshotCommand,
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  GetOperationCommand,
  InvalidInputException,
  NotFoundException,
  OperationFailureException,
} from "@aws-sdk/client-lightsail";
import { describe, expect, it } from "vitest";
import { eventually, fleet, lightsail, rawCall, rejection, useEmulators } from "./helpers.js";

const start = useEmulators();

describe("GetDiskSnapshots", () => {
  it("pages through every snapshot newest first, never repeating a token", async () => {
    const emu = await start({ seed: fleet(23), pageSize: 5 });
    const client = lightsail(emu);
    const names: string[] = [];
    const tokens: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new GetDiskSnapshotsCommand({ pageToken }));
      pages++;
      names.push(...(page.diskSnapshots ?? []).map((s) => s.name!));
      pageToken = page.nextPageToken;
      if (pageToken) {
        expect(tokens).not.toContain(pageToken);
        tokens.push(pageToken);
      }
    } while (pageToken);
    expect(pages).toBe(5);
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
    expect(names[0]).toBe("web-data-0022");
    expect(names[22]).toBe("web-data-0000");
  });

  it("omits nextPageToken on the last page and sends epoch-second timestamps", async () => {
    const emu = await start({ seed: fleet(3), pageSize: 2 });
    const first = await rawCall(emu, "Lightsail_20161128.GetDiskSnapshots", "{}");
    expect(typeof first.body.nextPageToken).toBe("string");
    const last = await rawCall(
      emu,
      "Lightsail_20161128.GetDiskSnapshots",
      JSON.stringify({ pageToken: first.body.nextPageToken }),
    );
    expect(last.status).toBe(200);
    expect("nextPageToken" in last.body).toBe(false);
    const snap = (last.body.diskSnapshots as Record<string, unknown>[])[0]!;
    expect(snap.createdAt).toBe(Date.parse("2026-11-01T00:00:00Z") / 1000);
    expect(last.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps the listing consistent when a snapshot is deleted between pages", async () => {
    const emu = await start({ seed: fleet(10), pageSize: 4 });
    const client = lightsail(emu);
    const first = await client.send(new GetDiskSnapshotsCommand({}));
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0009" }));
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0002" }));
    const names = first.diskSnapshots!.map((s) => s.name!);
    let pageToken = first.nextPageToken;
    while (pageToken) {
      const page = await client.send(new GetDiskSnapshotsCommand({ pageToken }));
      names.push(...page.diskSnapshots!.map((s) => s.name!));
      pageToken = page.nextPageToken;
    }
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain("web-data-0002");
    expect(names).toHaveLength(9);
  });

  it("rejects a forged page token with InvalidInputException", async () => {
    const emu = await start({ seed: fleet(3) });
    const err = await rejection(
      lightsail(emu, { maxAttempts: 1 }).send(new GetDiskSnapshotsCommand({ pageToken: "bm9wZQ" })),
    );
    expect(err).toBeInstanceOf(InvalidInputException);
  });
});

describe("GetDiskSnapshot", () => {
  it("returns the exact DiskSnapshot shape of the AWS samples", async () => {
    const emu = await start({ seed: fleet(1) });
    const raw = await rawCall(
      emu,
      "Lightsail_20161128.GetDiskSnapshot",
      JSON.stringify({ diskSnapshotName: "web-data-0000" }),
    );
    const snap = raw.body.diskSnapshot as Record<string, unknown>;
    expect(Object.keys(snap)).toEqual([
      "name",
      "arn",
      "supportCode",
      "createdAt",
      "location",
      "resourceType",
      "tags",
      "sizeInGb",
      "state",
      "progress",
      "fromDiskName",
      "fromDiskArn",
      "isFromAutoSnapshot",
    ]);
    expect(snap.arn).toMatch(
      /^arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot\/[0-9a-f-]{36}$/,
    );
    expect(snap.location).toEqual({ availabilityZone: "all", regionName: "us-east-1" });
    expect(snap.tags).toEqual([{ key: "managed-by", value: "snapgate" }]);
    expect(snap).toMatchObject({
      resourceType: "DiskSnapshot",
      state: "completed",
      progress: "100%",
      sizeInGb: 64,
      isFromAutoSnapshot: false,
    });
    expect(snap.fromDiskArn).toBe(emu.disks("us-east-1")[0]!.arn);
  });

  it("keeps a seeded snapshot's ARN stable across emulator runs", async () => {
    const a = await start({ seed: fleet(1) });
    const b = await start({ seed: fleet(1) });
    expect(a.snapshots()[0]!.arn).toBe(b.snapshots()[0]!.arn);
  });

  it("answers NotFoundException for a missing snapshot and InvalidInputException for a bad name", async () => {
    const emu = await start({ seed: fleet(1) });
    const client = lightsail(emu, { maxAttempts: 1 });
    expect(
      await rejection(client.send(new GetDiskSnapshotCommand({ diskSnapshotName: "nope-1" }))),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await rejection(client.send(new GetDiskSnapshotCommand({ diskSnapshotName: "web data" }))),
    ).toBeInstanceOf(InvalidInputException);
    expect(await rejection(client.send(new GetDiskSnapshotCommand({} as never)))).toBeInstanceOf(
      InvalidInputException,
    );
  });
});

describe("CreateDiskSnapshot", () => {
  it("returns two Started operations and completes pending → completed after the delay", async () => {
    const emu = await start({ seed: fleet(0), createDelayMs: 150 });
    const client = lightsail(emu);
    const created = await client.send(
      new CreateDiskSnapshotCommand({
        diskSnapshotName: "web-data-new",
        diskName: "web-data",
        tags: [{ key: "tier", value: "monthly" }],
      }),
    );
    const ops = created.operations!;
    expect(ops).toHaveLength(2);
    expect(
      ops.map((o) => [
        o.resourceType,
        o.resourceName,
        o.operationDetails,
        o.location?.availabilityZone,
      ]),
    ).toEqual([
      ["DiskSnapshot", "web-data-new", "web-data", "all"],
      ["Disk", "web-data", "web-data-new", "us-east-1a"],
    ]);
    for (const o of ops)
      expect(o).toMatchObject({
        status: "Started",
        isTerminal: false,
        operationType: "CreateDiskSnapshot",
      });
    const pending = await client.send(
      new GetDiskSnapshotCommand({ diskSnapshotName: "web-data-new" }),
    );
    expect(pending.diskSnapshot).toMatchObject({
      state: "pending",
      sizeInGb: 64,
      fromDiskName: "web-data",
      tags: [{ key: "tier", value: "monthly" }],
    });

    const done = await eventually(async () => {
      const { operation } = await client.send(
        new GetOperationCommand({ operationId: ops[0]!.id! }),
      );
      return operation?.isTerminal ? operation : undefined;
    });
    expect(done.status).toBe("Succeeded");
    expect(done.statusChangedAt!.getTime()).toBeGreaterThan(done.createdAt!.getTime());
    const completed = await client.send(
      new GetDiskSnapshotCommand({ diskSnapshotName: "web-data-new" }),
    );
    expect(completed.diskSnapshot).toMatchObject({ state: "completed", progress: "100%" });
  });

  it.each([
    [
      "both diskName and instanceName",
      { diskSnapshotName: "s-1", diskName: "web-data", instanceName: "web-1" },
    ],
    ["neither diskName nor instanceName", { diskSnapshotName: "s-1" }],
    ["a bad snapshot name", { diskSnapshotName: "-bad", diskName: "web-data" }],
    ["a missing snapshot name", { diskName: "web-data" }],
    [
      "a tag key over 128 characters",
      {
        diskSnapshotName: "s-1",
        diskName: "web-data",
        tags: [{ key: "k".repeat(129), value: "v" }],
      },
    ],
    [
      "a tag value over 256 characters",
      {
        diskSnapshotName: "s-1",
        diskName: "web-data",
        tags: [{ key: "k", value: "v".repeat(257) }],
      },
    ],
    [
      "51 tags",
      {
        diskSnapshotName: "s-1",
        diskName: "web-data",
        tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })),
      },
    ],
    ["a name already in use", { diskSnapshotName: "web-data-0000", diskName: "web-data" }],
  ])("rejects %s with InvalidInputException", async (_label, input) => {
    const emu = await start({ seed: fleet(1) });
    const err = await rejection(
      lightsail(emu, { maxAttempts: 1 }).send(new CreateDiskSnapshotCommand(input as never)),
    );
    expect(err).toBeInstanceOf(InvalidInputException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(emu.snapshots().map((s) => s.name)).toEqual(["web-data-0000"]);
  });

  it("answers NotFoundException for an unknown disk", async () => {
    const emu = await start({ seed: fleet(0) });
    const err = await rejection(
      lightsail(emu, { maxAttempts: 1 }).send(
        new CreateDiskSnapshotCommand({ diskSnapshotName: "s-1", diskName: "gone" }),
      ),
    );
    expect(err).toBeInstanceOf(NotFoundException);
  });
});

describe("DeleteDiskSnapshot", () => {
  it("synchronously deletes with one Succeeded operation and records the deletion", async () => {
    const emu = await start({ seed: fleet(2) });
    const client = lightsail(emu);
    const arn = emu.snapshots().find((s) => s.name === "web-data-0001")!.arn;
    const { operations } = await client.send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" }),
    );
    expect(operations).toHaveLength(1);
    expect(operations![0]).toMatchObject({
      resourceName: "web-data-0001",
      resourceType: "DiskSnapshot",
      isTerminal: true,
      status: "Succeeded",
      operationType: "DeleteDiskSnapshot",
      location: { availabilityZone: "all", regionName: "us-east-1" },
    });
    expect(
      await rejection(
        client.send(new GetDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" })),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect(emu.deletedSnapshots()).toEqual([
      { region: "us-east-1", name: "web-data-0001", arn, at: expect.any(Number) },
    ]);
    expect(
      await rejection(
        client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" })),
      ),
    ).toBeInstanceOf(NotFoundException);
  });

  it("completes asynchronously, observable through GetOperation", async () => {
    const emu = await start({ seed: fleet(1), deleteMode: "async", deleteDelayMs: 150 });
    const client = lightsail(emu);
    const { operations } = await client.send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    expect(operations![0]).toMatchObject({ status: "Started", isTerminal: false });
    expect(emu.snapshots()).toHaveLength(1);
    expect(emu.deletedSnapshots()).toHaveLength(0);
    const done = await eventually(async () => {
      const { operation } = await client.send(
        new GetOperationCommand({ operationId: operations![0]!.id! }),
      );
      return operation?.isTerminal ? operation : undefined;
    });
    expect(done.status).toBe("Succeeded");
    expect(emu.snapshots()).toHaveLength(0);
    expect(emu.deletedSnapshots().map((d) => d.name)).toEqual(["web-data-0000"]);
  });

  it("rejects deleting a pending snapshot with OperationFailureException when configured to", async () => {
    const emu = await start({ seed: fleet(0), createDelayMs: 60_000, pendingDelete: "reject" });
    const client = lightsail(emu, { maxAttempts: 1 });
    await client.send(
      new CreateDiskSnapshotCommand({ diskSnapshotName: "s-1", diskName: "web-data" }),
    );
    const err = await rejection(
      client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "s-1" })),
    );
    expect(err).toBeInstanceOf(OperationFailureException);
    expect(err.$fault).toBe("client");
    expect(emu.snapshots().map((s) => s.state)).toEqual(["pending"]);
  });

  it("deletes a pending snapshot when allowed", async () => {
    const emu = await start({ seed: fleet(0), createDelayMs: 60_000, pendingDelete: "allow" });
    const client = lightsail(emu);
    await client.send(
      new CreateDiskSnapshotCommand({ diskSnapshotName: "s-1", diskName: "web-data" }),
    );
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "s-1" }));
    expect(emu.snapshots()).toHaveLength(0);
  });
});

describe("regions", () => {
  it("keeps every region's resources separate", async () => {
    const seed = fleet(2);
    const emu = await start({
      seed: {
        ...seed,
        regions: {
          ...seed.regions,
          "eu-west-2": { snapshots: [{ name: "web-data-0000", tags: {} }] },
        },
      },
    });
    const east = lightsail(emu, { region: "us-east-1" });
    const london = lightsail(emu, { region: "eu-west-2" });
    const inLondon = await london.send(new GetDiskSnapshotsCommand({}));
    expect(inLondon.diskSnapshots!.map((s) => s.name)).toEqual(["web-data-0000"]);
    expect(inLondon.diskSnapshots![0]!.arn).toMatch(/^arn:aws:lightsail:eu-west-2:/);
    await london.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }));
    const inEast = await east.send(new GetDiskSnapshotsCommand({}));
    expect(inEast.diskSnapshots!.map((s) => s.name)).toEqual(["web-data-0001", "web-data-0000"]);
    expect(
      (await lightsail(emu, { region: "ap-south-1" }).send(new GetDiskSnapshotsCommand({})))
        .diskSnapshots,
    ).toEqual([]);
  });
});
