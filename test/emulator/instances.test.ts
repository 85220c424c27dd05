/**
 * GetInstances / GetInstance and instance snapshots, with the real SDK and
 * snapgate's own lister: the Instance shape of the AWS CLI's get-instances
 * sample, pages with an opaque token left out on the last page, and
 * CreateDiskSnapshot with instanceName (fromInstanceName, two operations).
 */

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  CreateDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetInstanceCommand,
  GetInstancesCommand,
  InvalidInputException,
  NotFoundException,
} from "@aws-sdk/client-lightsail";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { listInstances, listInventory } from "../../src/lightsail/inventory.js";
import { lightsail, rawCall, rejection, useEmulators } from "./helpers.js";

const start = useEmulators();

describe("GetInstance / GetInstances", () => {
  it("returns the Instance shape of the get-instances sample, with the system and attached disks", async () => {
    const emu = await start({
      seed: {
        regions: {
          "us-west-2": {
            instances: [
              { name: "WordPress-1", tags: { backup: "required" }, blueprintId: "wordpress" },
            ],
            disks: [{ name: "Disk-1", attachedTo: "WordPress-1", path: "/dev/xvdf" }],
          },
        },
      },
    });
    const raw = await rawCall(
      emu,
      "Lightsail_20161128.GetInstance",
      JSON.stringify({ instanceName: "WordPress-1" }),
      { region: "us-west-2" },
    );
    const instance = raw.body.instance as Record<string, unknown>;
    expect(Object.keys(instance)).toEqual([
      "name",
      "arn",
      "supportCode",
      "createdAt",
      "location",
      "resourceType",
      "tags",
      "blueprintId",
      "blueprintName",
      "bundleId",
      "isStaticIp",
      "privateIpAddress",
      "publicIpAddress",
      "hardware",
      "networking",
      "state",
      "username",
      "sshKeyName",
    ]);
    expect(instance).toMatchObject({
      name: "WordPress-1",
      arn: expect.stringMatching(
        /^arn:aws:lightsail:us-west-2:111122223333:Instance\/[0-9a-f-]{36}$/,
      ),
      location: { availabilityZone: "us-west-2a", regionName: "us-west-2" },
      resourceType: "Instance",
      tags: [{ key: "backup", value: "required" }],
      blueprintId: "wordpress",
      blueprintName: "WordPress",
      state: { code: 16, name: "running" },
      hardware: {
        cpuCount: 1,
        disks: [
          { isSystemDisk: true, path: "/dev/xvda", attachedTo: "WordPress-1", sizeInGb: 20 },
          { name: "Disk-1", resourceType: "Disk", isSystemDisk: false, attachedTo: "WordPress-1" },
        ],
      },
      networking: { monthlyTransfer: { gbPerMonthAllocated: 1024 } },
    });
    expect(typeof instance.createdAt).toBe("number");

    const client = lightsail(emu, { region: "us-west-2", maxAttempts: 1 });
    const viaSdk = await client.send(new GetInstanceCommand({ instanceName: "WordPress-1" }));
    expect(viaSdk.instance?.createdAt).toBeInstanceOf(Date);
    expect(viaSdk.instance?.state?.name).toBe("running");
    expect(
      await rejection(client.send(new GetInstanceCommand({ instanceName: "nope-1" }))),
    ).toBeInstanceOf(NotFoundException);
  });

  it("pages through instances; the last page has no nextPageToken; snapgate's lister reads them all", async () => {
    const instances = Array.from({ length: 7 }, (_, i) => ({
      name: `box-${i}`,
      state: "stopped" as const,
    }));
    const emu = await start({ seed: { regions: { "us-east-1": { instances } } }, pageSize: 3 });
    const client = lightsail(emu);
    const pages: (string | undefined)[] = [];
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await client.send(new GetInstancesCommand({ pageToken }));
      names.push(...page.instances!.map((i) => i.name!));
      pageToken = page.nextPageToken;
      pages.push(pageToken);
    } while (pageToken);
    expect(names).toEqual(instances.map((i) => i.name));
    expect(pages.length).toBe(3);
    expect(pages[2]).toBeUndefined();

    const listed = await listInstances(() => client, "us-east-1");
    expect(listed.map((i) => [i.name, i.state])).toEqual(instances.map((i) => [i.name, "stopped"]));
    // the inventory lists instances only when asked (freshness declared)
    expect((await listInventory(() => client, ["us-east-1"])).instances).toBeUndefined();
    expect(
      (await listInventory(() => client, ["us-east-1"], { instances: true })).instances,
    ).toHaveLength(7);

    const bad = await rawCall(
      emu,
      "Lightsail_20161128.GetInstances",
      JSON.stringify({ pageToken: "zz" }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.__type).toBe("InvalidInputException");
  });
});

describe("CreateDiskSnapshot with instanceName", () => {
  it("snapshots the system disk: fromInstanceName and fromInstanceArn, one operation for the Instance", async () => {
    const emu = await start({
      seed: {
        regions: { "us-east-1": { instances: [{ name: "app-1", systemDiskSizeInGb: 40 }] } },
      },
    });
    const client = lightsail(emu, { maxAttempts: 1 });
    const created = await client.send(
      new CreateDiskSnapshotCommand({ diskSnapshotName: "app-1-snap", instanceName: "app-1" }),
    );
    expect(
      created.operations?.map((o) => [o.resourceType, o.resourceName, o.operationDetails]),
    ).toEqual([
      ["DiskSnapshot", "app-1-snap", "app-1"],
      ["Instance", "app-1", "app-1-snap"],
    ]);
    const instance = await client.send(new GetInstanceCommand({ instanceName: "app-1" }));
    const snap = await client.send(new GetDiskSnapshotCommand({ diskSnapshotName: "app-1-snap" }));
    expect(snap.diskSnapshot).toMatchObject({
      fromInstanceName: "app-1",
      fromInstanceArn: instance.instance?.arn,
      sizeInGb: 40,
    });
    expect(snap.diskSnapshot?.fromDiskName).toBeUndefined();
    expect(
      await rejection(
        client.send(
          new CreateDiskSnapshotCommand({ diskSnapshotName: "x-1", instanceName: "gone-1" }),
        ),
      ),
    ).toBeInstanceOf(NotFoundException);
    expect(
      await rejection(
        client.send(
          new CreateDiskSnapshotCommand({
            diskSnapshotName: "x-2",
            instanceName: "app-1",
            diskName: "d-1",
          }),
        ),
      ),
    ).toBeInstanceOf(InvalidInputException);
  });

  it("a seeded instance's snapshots carry the ARN GetInstances reports", async () => {
    const emu = await start({
      seed: {
        regions: {
          "eu-west-2": {
            instances: [{ name: "app-1" }],
            snapshots: [{ name: "app-1-old", fromInstance: "app-1" }],
          },
        },
      },
    });
    const client = lightsail(emu, { region: "eu-west-2" });
    const [instance] = (await client.send(new GetInstancesCommand({}))).instances!;
    const snap = await client.send(new GetDiskSnapshotCommand({ diskSnapshotName: "app-1-old" }));
    expect(snap.diskSnapshot?.fromInstanceArn).toBe(instance?.arn);
  });
});

describe("instances in the state file", () => {
  it("survive a restart with their ARNs (the state file wins over the seed)", async () => {
    const statePath = path.join(
      await mkdtemp(path.join(tmpdir(), "snapgate-emu-inst-")),
      "state.json",
    );
    const first = await startEmulator({
      statePath,
      seed: { regions: { "us-east-1": { instances: [{ name: "app-1", tags: { a: "b" } }] } } },
    });
    const before = (await lightsail(first).send(new GetInstancesCommand({}))).instances!;
    await first.flush();
    await first.close();
    // the seed names no instance now: the state file wins
    const second = await startEmulator({ statePath, seed: { regions: { "us-east-1": {} } } });
    try {
      const after = (await lightsail(second).send(new GetInstancesCommand({}))).instances!;
      expect(after.map((i) => [i.name, i.arn, i.tags])).toEqual(
        before.map((i) => [i.name, i.arn, i.tags]),
      );
    } finally {
      await second.close();
    }
  });
});
