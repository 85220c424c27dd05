import {
  CreateDiskSnapshotCommand,
  DeleteDiskSnapshotCommand,
  GetDiskCommand,
  GetDisksCommand,
  GetOperationCommand,
  GetOperationsCommand,
  GetOperationsForResourceCommand,
  GetRegionsCommand,
  InvalidInputException,
  NotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-lightsail";
import { describe, expect, it } from "vitest";
import { fleet, lightsail, rawCall, rejection, useEmulators } from "./helpers.js";

const start = useEmulators();

describe("TagResource / UntagResource", () => {
  it("merges, overwrites and removes tags, each with a terminal operation", async () => {
    const emu = await start({ seed: fleet(1) });
    const client = lightsail(emu);
    const arn = emu.snapshots()[0]!.arn;
    const tagged = await client.send(
      new TagResourceCommand({
        resourceName: "web-data-0000",
        resourceArn: arn,
        tags: [
          { key: "managed-by", value: "me" },
          { key: "tier", value: "monthly" },
          { key: "flag" },
        ],
      }),
    );
    expect(tagged.operations![0]).toMatchObject({
      operationType: "TagResource",
      status: "Succeeded",
      isTerminal: true,
      resourceType: "DiskSnapshot",
    });
    expect(emu.snapshots()[0]!.tags).toEqual({ "managed-by": "me", tier: "monthly", flag: "" });
    await client.send(
      new UntagResourceCommand({ resourceName: "web-data-0000", tagKeys: ["tier", "absent"] }),
    );
    expect(emu.snapshots()[0]!.tags).toEqual({ "managed-by": "me", flag: "" });
  });

  it("tags disks too", async () => {
    const emu = await start({ seed: fleet(0) });
    await lightsail(emu).send(
      new TagResourceCommand({ resourceName: "web-data", tags: [{ key: "env", value: "prod" }] }),
    );
    expect(emu.disks()[0]!.tags).toEqual({ team: "web", env: "prod" });
  });

  it("rejects an ARN of another resource, too many tags and unknown resources", async () => {
    const emu = await start({ seed: fleet(2) });
    const client = lightsail(emu, { maxAttempts: 1 });
    const otherArn = emu.snapshots().find((s) => s.name === "web-data-0001")!.arn;
    expect(
      await rejection(
        client.send(
          new TagResourceCommand({
            resourceName: "web-data-0000",
            resourceArn: otherArn,
            tags: [{ key: "a", value: "b" }],
          }),
        ),
      ),
    ).toBeInstanceOf(InvalidInputException);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    expect(
      await rejection(
        client.send(new TagResourceCommand({ resourceName: "web-data-0000", tags: fifty })),
      ),
    ).toBeInstanceOf(InvalidInputException);
    expect(
      await rejection(
        client.send(
          new TagResourceCommand({ resourceName: "nope-1", tags: [{ key: "a", value: "b" }] }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await rejection(
        client.send(new UntagResourceCommand({ resourceName: "web-data-0000" } as never)),
      ),
    ).toBeInstanceOf(InvalidInputException);
    expect(emu.snapshots().find((s) => s.name === "web-data-0000")!.tags).toEqual({
      "managed-by": "snapgate",
    });
  });
});

describe("what Lightsail rejects, the emulator rejects", () => {
  it.each([
    ["a newline in a tag value", [{ key: "note", value: "a\nb" }]],
    ["a tab in a tag key", [{ key: "a\tb", value: "x" }]],
    ["the reserved aws: prefix", [{ key: "aws:cloudformation:stack", value: "x" }]],
    ["the reserved AWS: prefix in another case", [{ key: "AWS:x", value: "x" }]],
    ["a __proto__ key", [{ key: "__proto__", value: "x" }]],
  ])(
    "TagResource with %s is InvalidInputException, and the tags are unchanged",
    async (_what, tags) => {
      const emu = await start({ seed: fleet(1) });
      const client = lightsail(emu, { maxAttempts: 1 });
      expect(
        await rejection(
          client.send(new TagResourceCommand({ resourceName: "web-data-0000", tags })),
        ),
      ).toBeInstanceOf(InvalidInputException);
      expect(emu.snapshots()[0]!.tags).toEqual({ "managed-by": "snapgate" });
    },
  );

  it("CreateDiskSnapshot with a name over 255 characters is InvalidInputException", async () => {
    const emu = await start({ seed: fleet(1) });
    const client = lightsail(emu, { maxAttempts: 1 });
    const err = await rejection(
      client.send(
        new CreateDiskSnapshotCommand({ diskName: "web-data", diskSnapshotName: "a".repeat(400) }),
      ),
    );
    expect(err).toBeInstanceOf(InvalidInputException);
    expect((err as Error).message).toContain("at most 255");
  });
});

describe("GetDisk / GetDisks", () => {
  it("returns the Disk shape and NotFoundException for a missing disk", async () => {
    const emu = await start({
      seed: {
        regions: {
          "us-west-2": {
            disks: [{ name: "Disk-1", attachedTo: "WordPress-1", path: "/dev/xvdf" }],
          },
        },
      },
    });
    const raw = await rawCall(
      emu,
      "Lightsail_20161128.GetDisk",
      JSON.stringify({ diskName: "Disk-1" }),
      { region: "us-west-2" },
    );
    expect(raw.body.disk).toMatchObject({
      name: "Disk-1",
      resourceType: "Disk",
      location: { availabilityZone: "us-west-2a", regionName: "us-west-2" },
      tags: [],
      sizeInGb: 8,
      isSystemDisk: false,
      iops: 100,
      path: "/dev/xvdf",
      state: "in-use",
      attachedTo: "WordPress-1",
      isAttached: true,
      attachmentState: "attached",
    });
    expect((raw.body.disk as { arn: string }).arn).toMatch(
      /^arn:aws:lightsail:us-west-2:111122223333:Disk\//,
    );
    const client = lightsail(emu, { region: "us-west-2", maxAttempts: 1 });
    expect(await rejection(client.send(new GetDiskCommand({ diskName: "Disk-9" })))).toBeInstanceOf(
      NotFoundException,
    );
  });

  it("pages through disks", async () => {
    const disks = Array.from({ length: 7 }, (_, i) => ({ name: `disk-${i}` }));
    const emu = await start({ seed: { regions: { "us-east-1": { disks } } }, pageSize: 3 });
    const client = lightsail(emu);
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetDisksCommand({ pageToken }));
      names.push(...page.disks!.map((d) => d.name!));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(names).toEqual(disks.map((d) => d.name));
  });
});

describe("GetRegions", () => {
  it("lists the 16 Lightsail regions, zones only when asked", async () => {
    const emu = await start({});
    const client = lightsail(emu);
    const plain = await client.send(new GetRegionsCommand({}));
    expect(plain.regions).toHaveLength(16);
    expect(plain.regions!.find((r) => r.name === "us-east-2")).toMatchObject({
      displayName: "Ohio",
      continentCode: "NA",
      availabilityZones: [],
    });
    const zoned = await client.send(new GetRegionsCommand({ includeAvailabilityZones: true }));
    expect(zoned.regions![0]!.availabilityZones![0]).toEqual({
      zoneName: "us-east-1a",
      state: "available",
    });
  });
});

describe("operations", () => {
  it("lists operations oldest first across pages and per resource", async () => {
    const emu = await start({ seed: fleet(3), pageSize: 2 });
    const client = lightsail(emu);
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }));
    await client.send(
      new CreateDiskSnapshotCommand({ diskSnapshotName: "s-new", diskName: "web-data" }),
    );
    await client.send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0001" }));
    const all: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetOperationsCommand({ pageToken }));
      all.push(...page.operations!.map((o) => `${o.operationType}:${o.resourceName}`));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(all).toEqual([
      "DeleteDiskSnapshot:web-data-0000",
      "CreateDiskSnapshot:s-new",
      "CreateDiskSnapshot:web-data",
      "DeleteDiskSnapshot:web-data-0001",
    ]);
    const forDisk = await client.send(
      new GetOperationsForResourceCommand({ resourceName: "web-data" }),
    );
    expect(forDisk.operations!.map((o) => o.operationDetails)).toEqual(["s-new"]);
    const none = await client.send(
      new GetOperationsForResourceCommand({ resourceName: "other-1" }),
    );
    expect(none.operations).toEqual([]);
  });

  it("answers NotFoundException for an unknown operation id and keeps ids per region", async () => {
    const emu = await start({ seed: fleet(1) });
    const { operations } = await lightsail(emu).send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    const elsewhere = lightsail(emu, { region: "eu-west-1", maxAttempts: 1 });
    expect(
      await rejection(
        elsewhere.send(new GetOperationCommand({ operationId: operations![0]!.id! })),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await rejection(
        lightsail(emu, { maxAttempts: 1 }).send(
          new GetOperationCommand({ operationId: "no-such-id" }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
  });
});
