import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AUDIT_HEAD_KEY,
  S3AuditLog,
  segmentKey,
  verifyS3AuditLog,
} from "../../src/audit-log/s3-audit.js";
import { contentMd5 } from "../../src/state/s3-client.js";
import type { S3StateStore } from "../../src/state/s3-store.js";
import { runCli } from "../helpers/cli.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("audit");
  await gw.createBucket("worm", { objectLock: { mode: "COMPLIANCE", days: 1 } });
});
afterAll(async () => {
  await gw?.stop();
});

let n = 0;
function freshStore(bucket = "audit"): S3StateStore {
  return gw.store(bucket, `log${++n}`, gw.newClient());
}

async function readText(store: S3StateStore, key: string): Promise<string> {
  const out = await gw.client.send(
    new GetObjectCommand({ Bucket: store.bucket, Key: store.key(key) }),
  );
  return (await out.Body?.transformToString("utf8")) ?? "";
}

async function putText(store: S3StateStore, key: string, text: string): Promise<void> {
  await gw.client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: store.key(key),
      Body: text,
      ContentMD5: contentMd5(text),
    }),
  );
}

/** A log of three segments: one record, a group of three, one record. */
async function threeSegments(store: S3StateStore): Promise<void> {
  const log = new S3AuditLog(store);
  await log.append("plan", { planDigest: "sha256:a" });
  await log.appendMany([
    { type: "decision", fields: { name: "s1" } },
    { type: "decision", fields: { name: "s2" } },
    { type: "decision", fields: { name: "s3" } },
  ]);
  await log.append("apply-summary", { planDigest: "sha256:a" });
}

describe("the audit log on S3", () => {
  it("chains records across segments; appends in one tick share a segment", async () => {
    const store = freshStore();
    await threeSegments(store);
    const result = await verifyS3AuditLog(store);
    expect(result).toMatchObject({ ok: true, segments: 3, records: 5 });
    expect((await readText(store, segmentKey(2))).trim().split("\n")).toHaveLength(3);
    // a new writer (another run, another machine) continues the same chain
    const later = new S3AuditLog(gw.store(store.bucket, store.prefix, gw.newClient()));
    const r = await later.append("plan", { planDigest: "sha256:b" });
    expect(r.seq).toBe(6);
    expect(await verifyS3AuditLog(store)).toMatchObject({ ok: true, segments: 4, records: 6 });
  });

  it("two writers racing never fork the chain: the loser appends after the winner", async () => {
    const store = freshStore();
    const a = new S3AuditLog(gw.store(store.bucket, store.prefix, gw.newClient()));
    const b = new S3AuditLog(gw.store(store.bucket, store.prefix, gw.newClient()));
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      writes.push(a.append("decision", { writer: "a", i }));
      writes.push(b.append("decision", { writer: "b", i }));
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(writes);
    const result = await verifyS3AuditLog(store);
    expect(result).toMatchObject({ ok: true, records: 16 });
  });

  it("verify reports an edited segment", async () => {
    const store = freshStore();
    await threeSegments(store);
    const text = await readText(store, segmentKey(2));
    await putText(store, segmentKey(2), text.replace('"name":"s2"', '"name":"sX"'));
    expect(await verifyS3AuditLog(store)).toMatchObject({
      ok: false,
      segment: 2,
      problem: expect.stringMatching(/line 2: hash does not match .*record edited/),
    });
  });

  it("verify reports a deleted segment", async () => {
    const store = freshStore();
    await threeSegments(store);
    await gw.client.send(
      new DeleteObjectCommand({ Bucket: store.bucket, Key: store.key(segmentKey(2)) }),
    );
    expect(await verifyS3AuditLog(store)).toMatchObject({
      ok: false,
      segment: 2,
      problem: "segment 2 is missing (the next one stored is 3): segments were deleted",
    });
  });

  it("verify reports reordered segments", async () => {
    const store = freshStore();
    await threeSegments(store);
    const [s1, s3] = [await readText(store, segmentKey(1)), await readText(store, segmentKey(3))];
    await putText(store, segmentKey(1), s3);
    await putText(store, segmentKey(3), s1);
    expect(await verifyS3AuditLog(store)).toMatchObject({
      ok: false,
      segment: 1,
      problem: expect.stringMatching(/sequence number 5, expected 1/),
    });
  });

  it("verify reports segments cut off the end (the head names more)", async () => {
    const store = freshStore();
    await threeSegments(store);
    await gw.client.send(
      new DeleteObjectCommand({ Bucket: store.bucket, Key: store.key(segmentKey(3)) }),
    );
    expect(await verifyS3AuditLog(store)).toMatchObject({
      ok: false,
      segment: 3,
      problem: expect.stringMatching(
        /ends at segment 2 \(record 4\) but its head names segment 3 \(record 5\)/,
      ),
    });
  });

  it("warns that segments on a bucket without Object Lock are not WORM-protected", async () => {
    const store = freshStore();
    await threeSegments(store);
    const result = await verifyS3AuditLog(store);
    expect(result.ok).toBe(true);
    expect(result.protection.map((p) => p.mode)).toEqual([undefined, undefined, undefined]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^3 of 3 segments are not WORM-protected/),
    ]);
  });

  it("warns when the head is gone", async () => {
    const store = freshStore();
    await threeSegments(store);
    await gw.client.send(
      new DeleteObjectCommand({ Bucket: store.bucket, Key: store.key(AUDIT_HEAD_KEY) }),
    );
    const result = await verifyS3AuditLog(store);
    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(expect.stringMatching(/no audit\/head.json/));
  });

  it("on a bucket with default compliance retention every segment is locked and cannot be deleted", async () => {
    const store = freshStore("worm");
    await threeSegments(store);
    const result = await verifyS3AuditLog(store);
    expect(result).toMatchObject({ ok: true, segments: 3, warnings: [] });
    for (const p of result.protection) {
      expect(p.mode).toBe("COMPLIANCE");
      expect(Date.parse(p.retainUntil ?? "")).toBeGreaterThan(Date.now());
    }
    const key = store.key(segmentKey(2));
    const { VersionId } = await gw.client.send(
      new HeadObjectCommand({ Bucket: store.bucket, Key: key }),
    );
    expect(VersionId).toBeTruthy();
    await expect(
      gw.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key, VersionId })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    // the segment is still there, unchanged, and the chain verifies
    expect(await verifyS3AuditLog(store)).toMatchObject({ ok: true, records: 5 });
    // an overwrite only adds a version on top of the locked one, and verify catches it
    await gw.client.send(
      new CopyObjectCommand({
        Bucket: store.bucket,
        Key: key,
        CopySource: `${store.bucket}/${store.key(segmentKey(1))}`,
      }),
    );
    expect(await verifyS3AuditLog(store)).toMatchObject({ ok: false, segment: 2 });
    await expect(
      gw.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key, VersionId })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});

describe("snapgate audit-log verify s3://bucket/prefix", () => {
  const verify = (store: S3StateStore, ...args: string[]) =>
    runCli(["audit-log", "verify", ...args, store.label], gw.env());

  it("intact: the records, segments and their Object Lock; exit 0", async () => {
    const store = freshStore("worm");
    await threeSegments(store);
    const r = await verify(store);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^${store.label}: intact, 5 records in 3 segments, head sha256:[0-9a-f]{64}\\n`),
    );
    expect(r.stdout).toMatch(/Object Lock: 3 COMPLIANCE, last segment retained until \S+Z/);
    expect(r.stderr).toBe("");
  });

  it("without Object Lock it warns on stderr that the segments are not WORM-protected", async () => {
    const store = freshStore();
    await threeSegments(store);
    const r = await runCli(["audit-log", "verify"], { ...gw.env(), SNAPGATE_STATE: store.label });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Object Lock: 3 none");
    expect(r.stderr).toMatch(/warning: 3 of 3 segments are not WORM-protected/);
  });

  it("an edited segment: BROKEN, naming it; exit 1", async () => {
    const store = freshStore();
    await threeSegments(store);
    const text = await readText(store, segmentKey(2));
    await putText(store, segmentKey(2), text.replace('"s2"', '"s9"'));
    const r = await verify(store);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `${store.label}/${segmentKey(2)}: BROKEN: line 2: hash does not match the record's content (record edited) (2 records in 1 segments verified before it)\n`,
    );
  });

  it("a deleted segment: BROKEN, naming the gap; exit 1", async () => {
    const store = freshStore();
    await threeSegments(store);
    await gw.client.send(
      new DeleteObjectCommand({ Bucket: store.bucket, Key: store.key(segmentKey(2)) }),
    );
    const r = await verify(store);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${store.label}/${segmentKey(2)}: BROKEN: segment 2 is missing (the next one stored is 3): segments were deleted`,
    );
  });
});
