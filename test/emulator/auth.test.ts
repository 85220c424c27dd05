import {
  AccessDeniedException,
  CreateDiskSnapshotCommand,
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  TagResourceCommand,
  UnauthenticatedException,
  UntagResourceCommand,
} from "@aws-sdk/client-lightsail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { IamPolicyDocument } from "../../src/iam/types.js";
import { lightsail } from "./helpers.js";

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

/** A reconciler role: read everything, delete only snapgate-managed snapshots, never legal holds. */
const storagePolicy: IamPolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: "lightsail:Get*", Resource: "*" },
    {
      Effect: "Allow",
      Action: ["lightsail:DeleteDiskSnapshot", "lightsail:TagResource"],
      Resource: "arn:aws:lightsail:*:111122223333:DiskSnapshot/*",
      Condition: { StringEquals: { "aws:ResourceTag/managed-by": "snapgate" } },
    },
    {
      Effect: "Deny",
      Action: "lightsail:Delete*",
      Resource: "*",
      Condition: { Null: { "aws:ResourceTag/legal-hold": "false" } },
    },
    {
      Effect: "Allow",
      Action: "lightsail:CreateDiskSnapshot",
      Resource: "*",
      Condition: { StringEquals: { "aws:RequestTag/managed-by": "snapgate" } },
    },
  ],
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    seed: {
      account: "111122223333",
      principals: [
        { accessKeyId: "AKIDSTORAGE", secretAccessKey: "storage-secret", policy: storagePolicy },
        {
          accessKeyId: "AKIDNOTHING",
          secretAccessKey: "nothing-secret",
          policy: { Statement: [] },
        },
      ],
      regions: {
        "us-east-1": {
          disks: [{ name: "web-data", sizeInGb: 8 }],
          snapshots: [
            { name: "managed-1", fromDisk: "web-data", tags: { "managed-by": "snapgate" } },
            {
              name: "managed-held",
              fromDisk: "web-data",
              tags: { "managed-by": "snapgate", "legal-hold": "case-7" },
            },
            { name: "foreign-1", fromDisk: "web-data", tags: { "managed-by": "terraform" } },
            { name: "untagged-1", fromDisk: "web-data" },
          ],
        },
      },
    },
  });
});
afterAll(async () => emu.close());

const storage = () =>
  lightsail(emu, { accessKeyId: "AKIDSTORAGE", secretAccessKey: "storage-secret", maxAttempts: 1 });

describe("SigV4", () => {
  it("rejects a wrong secret with UnauthenticatedException", async () => {
    const client = lightsail(emu, {
      accessKeyId: "AKIDSTORAGE",
      secretAccessKey: "wrong",
      maxAttempts: 1,
    });
    const err = await rejection(client.send(new GetDiskSnapshotsCommand({})));
    expect(err).toBeInstanceOf(UnauthenticatedException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 401 });
  });

  it("rejects an unknown access key with UnauthenticatedException", async () => {
    const client = lightsail(emu, {
      accessKeyId: "AKIDUNKNOWN",
      secretAccessKey: "x",
      maxAttempts: 1,
    });
    expect(await rejection(client.send(new GetDiskSnapshotsCommand({})))).toBeInstanceOf(
      UnauthenticatedException,
    );
  });

  it("accepts the built-in test/test key and seeded keys", async () => {
    expect((await lightsail(emu).send(new GetDiskSnapshotsCommand({}))).diskSnapshots).toHaveLength(
      4,
    );
    expect((await storage().send(new GetDiskSnapshotsCommand({}))).diskSnapshots).toHaveLength(4);
    const last = emu.calls().at(-1)!;
    expect([last.principal, last.region, last.outcome]).toEqual(["AKIDSTORAGE", "us-east-1", "ok"]);
  });
});

describe("tag-based access control", () => {
  it("allows deleting a snapshot whose tags satisfy the policy", async () => {
    await storage().send(new DeleteDiskSnapshotCommand({ diskSnapshotName: "managed-1" }));
    expect(emu.deletedSnapshots().map((d) => d.name)).toContain("managed-1");
  });

  it.each(["foreign-1", "untagged-1", "managed-held"])(
    "denies deleting %s and leaves it in place",
    async (name) => {
      const err = await rejection(
        storage().send(new DeleteDiskSnapshotCommand({ diskSnapshotName: name })),
      );
      expect(err).toBeInstanceOf(AccessDeniedException);
      expect(err.$fault).toBe("client");
      expect(err.$metadata).toMatchObject({ httpStatusCode: 403 });
      expect(emu.snapshots("us-east-1").map((s) => s.name)).toContain(name);
    },
  );

  it("checks CreateDiskSnapshot against the request tags", async () => {
    const denied = await rejection(
      storage().send(
        new CreateDiskSnapshotCommand({
          diskSnapshotName: "new-1",
          diskName: "web-data",
          tags: [{ key: "managed-by", value: "me" }],
        }),
      ),
    );
    expect(denied).toBeInstanceOf(AccessDeniedException);
    await storage().send(
      new CreateDiskSnapshotCommand({
        diskSnapshotName: "new-2",
        diskName: "web-data",
        tags: [{ key: "managed-by", value: "snapgate" }],
      }),
    );
    expect(emu.snapshots().map((s) => s.name)).toContain("new-2");
    expect(emu.snapshots().map((s) => s.name)).not.toContain("new-1");
  });

  it("checks TagResource and UntagResource on the resource", async () => {
    expect(
      await rejection(
        storage().send(
          new TagResourceCommand({
            resourceName: "foreign-1",
            tags: [{ key: "managed-by", value: "snapgate" }],
          }),
        ),
      ),
    ).toBeInstanceOf(AccessDeniedException);
    await storage().send(
      new TagResourceCommand({ resourceName: "new-2", tags: [{ key: "owner", value: "storage" }] }),
    );
    expect(emu.snapshots().find((s) => s.name === "new-2")!.tags).toEqual({
      "managed-by": "snapgate",
      owner: "storage",
    });
    expect(
      await rejection(
        storage().send(new UntagResourceCommand({ resourceName: "new-2", tagKeys: ["owner"] })),
      ),
    ).toBeInstanceOf(AccessDeniedException);
  });

  it("denies reads to a principal without Get permissions (default deny)", async () => {
    const client = lightsail(emu, {
      accessKeyId: "AKIDNOTHING",
      secretAccessKey: "nothing-secret",
      maxAttempts: 1,
    });
    expect(await rejection(client.send(new GetDiskSnapshotsCommand({})))).toBeInstanceOf(
      AccessDeniedException,
    );
  });
});
