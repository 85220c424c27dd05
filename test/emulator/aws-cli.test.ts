/**
 * The AWS CLI (Debian's awscli, botocore under the hood) against the emulator:
 * a second real client with its own parser, pagination and error handling.
 * .ci/run installs the package; without it this test fails, it does not skip.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const AWS = "/usr/bin/aws";
let emulator: RunningEmulator;

function aws(
  args: string[],
  secret = "test",
): Promise<{ code: number; stdout: string; stderr: string }> {
  return awsCli(["lightsail", ...args, "--region", "eu-west-2"], { secret });
}

/** Any AWS CLI command against the emulator, with the given key (default the built-in test key). */
function awsCli(
  args: string[],
  key: { id?: string; secret?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      AWS,
      [...args, "--endpoint-url", emulator.url, "--output", "json"],
      {
        env: {
          PATH: process.env.PATH,
          HOME: "/nonexistent",
          AWS_ACCESS_KEY_ID: key.id ?? "test",
          AWS_SECRET_ACCESS_KEY: key.secret ?? "test",
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_PAGER: "",
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  if (!existsSync(AWS))
    throw new Error(
      `${AWS} not found: install Debian's awscli (apt-get install -y awscli); .ci/run does`,
    );
  emulator = await startEmulator({
    pageSize: 2,
    seed: {
      account: "111122223333",
      principals: [
        { accessKeyId: "AKIDREADER", secretAccessKey: "reader-secret", policy: { Statement: [] } },
      ],
      regions: {
        "eu-west-2": {
          disks: [{ name: "db-data", sizeInGb: 32 }],
          instances: ["app-1", "app-2", "app-3"].map((name) => ({
            name,
            tags: { backup: "required" },
          })),
          snapshots: ["db-1", "db-2", "db-3", "db-4", "db-5"].map((name, i) => ({
            name,
            fromDisk: "db-data",
            createdAt: `2026-11-0${i + 1}T00:00:00Z`,
            tags: { "managed-by": "snapgate" },
          })),
        },
      },
    },
  });
});
afterAll(() => emulator?.close());

describe("the AWS CLI cannot tell the emulator from Lightsail", () => {
  it("get-disk-snapshots follows our page tokens to the end", async () => {
    const r = await aws(["get-disk-snapshots"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.diskSnapshots.map((s: { name: string }) => s.name).sort()).toEqual([
      "db-1",
      "db-2",
      "db-3",
      "db-4",
      "db-5",
    ]);
    expect(out.diskSnapshots[0]).toMatchObject({
      resourceType: "DiskSnapshot",
      location: { availabilityZone: "all", regionName: "eu-west-2" },
      state: "completed",
      arn: expect.stringMatching(
        /^arn:aws:lightsail:eu-west-2:111122223333:DiskSnapshot\/[0-9a-f-]{36}$/,
      ),
    });
  });

  it("get-instances follows our page tokens to the end (botocore's GetInstances paginator)", async () => {
    const r = await aws(["get-instances"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.nextPageToken).toBeUndefined();
    expect(out.instances.map((i: { name: string }) => i.name)).toEqual(["app-1", "app-2", "app-3"]);
    expect(out.instances[0]).toMatchObject({
      resourceType: "Instance",
      location: { availabilityZone: "eu-west-2a", regionName: "eu-west-2" },
      tags: [{ key: "backup", value: "required" }],
      state: { code: 16, name: "running" },
      hardware: { disks: [{ isSystemDisk: true }] },
      arn: expect.stringMatching(
        /^arn:aws:lightsail:eu-west-2:111122223333:Instance\/[0-9a-f-]{36}$/,
      ),
    });
    const one = await aws(["get-instance", "--instance-name", "app-2"]);
    expect(one.stderr).toBe("");
    expect(JSON.parse(one.stdout).instance.name).toBe("app-2");
    const missing = await aws(["get-instance", "--instance-name", "app-9"]);
    expect(missing.stderr).toMatch(/\(NotFoundException\) when calling the GetInstance operation/);
  });

  it("create-disk-snapshot --instance-name snapshots the instance's system disk", async () => {
    const r = await aws([
      "create-disk-snapshot",
      "--disk-snapshot-name",
      "app-1-sys",
      "--instance-name",
      "app-1",
    ]);
    expect(r.stderr).toBe("");
    expect(
      JSON.parse(r.stdout).operations.map((o: { resourceType: string }) => o.resourceType),
    ).toEqual(["DiskSnapshot", "Instance"]);
    const snap = emulator.snapshots("eu-west-2").find((s) => s.name === "app-1-sys");
    expect(snap).toMatchObject({ fromInstanceName: "app-1" });
    expect(snap?.fromDiskName).toBeUndefined();
    expect(emulator.snapshots("eu-west-2").length).toBe(6);
    // leave the snapshot list as the other tests expect it
    expect((await aws(["delete-disk-snapshot", "--disk-snapshot-name", "app-1-sys"])).code).toBe(0);
  });

  it("get-disk-snapshot of a missing snapshot raises NotFoundException", async () => {
    const r = await aws(["get-disk-snapshot", "--disk-snapshot-name", "nope-1"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\(NotFoundException\) when calling the GetDiskSnapshot operation/);
  });

  it("delete-disk-snapshot returns one Succeeded operation and the snapshot is gone", async () => {
    const r = await aws(["delete-disk-snapshot", "--disk-snapshot-name", "db-5"]);
    expect(r.code).toBe(0);
    const [op] = JSON.parse(r.stdout).operations;
    expect(op).toMatchObject({
      resourceName: "db-5",
      operationType: "DeleteDiskSnapshot",
      status: "Succeeded",
      isTerminal: true,
    });
    expect(emulator.snapshots("eu-west-2").map((s) => s.name)).not.toContain("db-5");
  });

  it("a wrong secret is rejected by SigV4 verification", async () => {
    const r = await aws(["get-disk-snapshots"], "wrong-secret");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/UnauthenticatedException/);
  });
});

describe("aws sts get-caller-identity against the emulator's port", () => {
  it("names the account and the principal of the key (query protocol, SigV4 for sts)", async () => {
    const root = await awsCli(["sts", "get-caller-identity", "--region", "us-east-1"]);
    expect(root.stderr).toBe("");
    expect(JSON.parse(root.stdout)).toEqual({
      UserId: "111122223333",
      Account: "111122223333",
      Arn: "arn:aws:iam::111122223333:root",
    });
    // no IAM permission is needed to ask who you are, as on AWS
    const user = await awsCli(["sts", "get-caller-identity", "--region", "eu-west-2"], {
      id: "AKIDREADER",
      secret: "reader-secret",
    });
    expect(user.code).toBe(0);
    expect(JSON.parse(user.stdout)).toMatchObject({
      Account: "111122223333",
      Arn: "arn:aws:iam::111122223333:user/AKIDREADER",
      UserId: expect.stringMatching(/^AIDA[0-9A-Z]{17}$/),
    });
  });

  it("a wrong secret or an unknown key is refused with STS's own error codes", async () => {
    const wrong = await awsCli(["sts", "get-caller-identity", "--region", "us-east-1"], {
      secret: "wrong",
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/\(SignatureDoesNotMatch\) when calling the GetCallerIdentity/);
    const unknown = await awsCli(["sts", "get-caller-identity", "--region", "us-east-1"], {
      id: "AKIDNOBODY",
      secret: "x",
    });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/\(InvalidClientTokenId\) when calling the GetCallerIdentity/);
  });
});
