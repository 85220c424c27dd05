import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { createS3Client } from "../../src/state/s3-client.js";
import { S3StateStore } from "../../src/state/s3-store.js";
import {
  checkStateStore,
  DirStateStore,
  parseStateLocation,
  type StateStore,
} from "../../src/state/store.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("state");
  await gw.createBucket("unversioned", { versioning: false });
});
afterAll(async () => {
  await gw?.stop();
});

describe("parseStateLocation", () => {
  it("reads directories and s3 locations", () => {
    expect(parseStateLocation("./st")).toEqual({ kind: "dir", dir: path.resolve("st") });
    expect(parseStateLocation("s3://my-bucket/team/prod/")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "team/prod",
    });
    expect(parseStateLocation("s3://my-bucket")).toEqual({
      kind: "s3",
      bucket: "my-bucket",
      prefix: "",
    });
  });

  it.each([
    ["", /empty/],
    ["s3://", /no bucket name/],
    ["s3://My_Bucket/x", /not a valid S3 bucket name/],
    ["s3://ab/x", /not a valid S3 bucket name/],
    ["s3://bucket/a//b", /empty, "\." or "\.\." segment/],
    ["s3://bucket/a/../b", /segment/],
    ["gs://bucket/x", /unsupported scheme gs:\/\//],
  ])("refuses %j with a located error", (input, message) => {
    let err: unknown;
    try {
      parseStateLocation(input, "SNAPGATE_STATE");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).code).toBe("BadInput");
    expect((err as SnapgateError).issues[0]?.file).toBe("SNAPGATE_STATE");
    expect((err as SnapgateError).message).toMatch(message);
  });
});

async function exerciseStore(store: StateStore) {
  expect(await store.read("journals/a.open")).toBeNull();
  await store.write("journals/a.open", "111122223333");
  await store.write("journals/a.open", "444455556666");
  expect(await store.read("journals/a.open")).toBe("444455556666");
  expect(await store.createExclusive("locks/x.json", "one")).toBe(true);
  expect(await store.createExclusive("locks/x.json", "two")).toBe(false);
  expect(await store.read("locks/x.json")).toBe("one");
  await store.append("journals/a.jsonl", "1\n");
  await store.append("journals/a.jsonl", "2\n3\n");
  expect(await store.readLog("journals/a.jsonl")).toBe("1\n2\n3\n");
  expect(await store.readLog("journals/none.jsonl")).toBe("");
  expect(await store.list("journals")).toEqual(
    store instanceof S3StateStore ? ["journals/a.open"] : ["journals/a.jsonl", "journals/a.open"],
  );
  await store.remove("journals/a.open");
  await store.remove("journals/a.open");
  expect(await store.read("journals/a.open")).toBeNull();
}

describe("state stores", () => {
  it("a directory: atomic write, exclusive create, append, list, remove", async () => {
    await exerciseStore(new DirStateStore(await mkdtemp(path.join(os.tmpdir(), "sg-dir-"))));
  });

  it("a bucket and prefix: the same semantics", async () => {
    await exerciseStore(gw.store("state", "team/one"));
  });

  it("two writers appending to one S3 log at once lose nothing and overwrite nothing", async () => {
    const a = gw.store("state", "race", gw.newClient());
    const b = gw.store("state", "race", gw.newClient());
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => [
        a.append("log", `a${i}\n`),
        b.append("log", `b${i}\n`),
      ]).flat(),
    );
    const lines = (await a.readLog("log")).trim().split("\n").sort();
    expect(lines).toHaveLength(20);
    expect(new Set(lines).size).toBe(20);
  });
});

describe("checkStateStore", () => {
  it("accepts a versioned bucket", async () => {
    await expect(checkStateStore(gw.store("state", "p"))).resolves.toMatchObject({
      location: "s3://state/p",
    });
  });

  async function refusal(store: StateStore): Promise<SnapgateError> {
    try {
      await checkStateStore(store);
    } catch (err) {
      expect(err).toBeInstanceOf(SnapgateError);
      expect((err as SnapgateError).code).toBe("StateFailed");
      return err as SnapgateError;
    }
    throw new Error("checkStateStore accepted it");
  }

  it("names a missing bucket", async () => {
    const err = await refusal(gw.store("no-such-bucket", "p"));
    expect(err.message).toBe("state s3://no-such-bucket/p: bucket no-such-bucket does not exist");
  });

  it("names a bucket without versioning", async () => {
    const err = await refusal(gw.store("unversioned"));
    expect(err.message).toMatch(
      /^state s3:\/\/unversioned: bucket unversioned does not have versioning enabled/,
    );
  });

  it("names denied credentials: an unknown access key and a wrong secret", async () => {
    for (const credentials of [
      { accessKeyId: "nobody", secretAccessKey: "wrong-secret" },
      { accessKeyId: gw.accessKey, secretAccessKey: "wrong-secret" },
    ]) {
      const err = await refusal(new S3StateStore(gw.newClient(credentials), "state", "p"));
      expect(err.message).toMatch(/^state s3:\/\/state\/p: access denied to bucket state \(\w+\)/);
    }
  });

  it("names an unreachable endpoint", async () => {
    const client = createS3Client({
      endpoint: "http://127.0.0.1:1",
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 1,
    });
    const err = await refusal(new S3StateStore(client, "state", "p"));
    expect(err.message).toMatch(
      /^state s3:\/\/state\/p: cannot reach the S3 endpoint \(ECONNREFUSED\)/,
    );
  });

  it("names a state directory that cannot be written", async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "sg-dir-")), "f");
    await new DirStateStore(path.dirname(file)).write("f", "not a dir");
    const err = await refusal(new DirStateStore(file));
    expect(err.message).toMatch(new RegExp(`^state ${file}: the directory cannot be written`));
  });
});
