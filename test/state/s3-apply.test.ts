/**
 * Apply with its state on S3 (a real versitygw), through the built CLI, from
 * working directories that share nothing but `s3://bucket/prefix`: two
 * applies of one plan at once, a SIGKILL and a resume elsewhere, a holder
 * paused (SIGSTOP) past its lease, and bad locations refused before any
 * Lightsail call.
 */
import { DeleteObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ApplyResult } from "../../src/apply/execute.js";
import { segmentKey } from "../../src/audit-log/s3-audit.js";
import { runCli } from "../helpers/cli.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import { everythingDone } from "../resilience/crash-harness.js";
import {
  ACCOUNT,
  applyArgs,
  applyUntilDone,
  expectAuditIntact,
  expectExactlyOnce,
  expectNothingOpen,
  LOCK_HELD,
  localState,
  runIn,
  s3World,
  spawnIn,
  waitFor,
  workDir,
} from "./s3-world.js";

const BUCKET = "apply-state";
/** Object Lock with a default COMPLIANCE retention: every audit segment is WORM as written */
const WORM = "apply-worm";
let gw: S3Gateway;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket(BUCKET);
  await gw.createBucket("not-versioned", { versioning: false });
  await gw.createBucket(WORM, { objectLock: { mode: "COMPLIANCE", days: 1 } });
}, 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await gw?.stop();
});

const ALL_DELETED = { deleted: 80, absent: 0, skipped: 0, denied: 0, failed: 0 };

describe("apply with state on S3", () => {
  it("two applies of one plan from two state-less working directories at once: exactly once, the other refused or finding it done", async () => {
    const w = await s3World(gw, WORM, {}, cleanups);
    expect(w.plan.deletions).toHaveLength(80);
    const [da, db] = [await workDir(w, "a"), await workDir(w, "b")];
    const a = spawnIn(w, da, applyArgs(w, "--format", "json"));
    const b = spawnIn(w, db, applyArgs(w, "--format", "json"));
    cleanups.push(
      () => a.kill(),
      () => b.kill(),
    );
    const results = await Promise.all([a.done, b.done]);

    expectExactlyOnce(w);
    expect(results.map((r) => r.code).sort()).toSatisfy(
      (c: number[]) => (c[0] === 0 && c[1] === 0) || (c[0] === 0 && c[1] === 1),
    );
    const winner = results.find((r) => r.code === 0)!;
    const loser = results.find((r) => r !== winner)!;
    if (loser.code === 1) {
      const m = loser.stderr.match(LOCK_HELD);
      expect(m, loser.stderr).not.toBeNull();
      expect(Number(m![1])).toBe(loser === results[0] ? b.pid : a.pid);
      expect(m![4]).toBe(w.state);
      expect((JSON.parse(winner.stdout) as ApplyResult).counts).toEqual(ALL_DELETED);
    } else {
      // it took the lock after the winner released it: everything is done already
      const both = results.map((r) => JSON.parse(r.stdout) as ApplyResult);
      expect(both.some((r) => everythingDone(r, 80))).toBe(true);
    }
    // Nothing local: the lock, journal and audit chain are all on S3.
    expect(await localState(da)).toEqual([]);
    expect(await localState(db)).toEqual([]);
    await expectNothingOpen(w);
    const list = await runIn(w, da, ["lock", "list"]);
    expect(list.stdout).toBe(`${w.state}: no locks\n`);
    // The whole chain is under compliance retention: no segment version can be deleted.
    const verify = await expectAuditIntact(w, da);
    expect(verify.stdout).toMatch(/Object Lock: \d+ COMPLIANCE, last segment retained until/);
    expect(verify.stderr).not.toContain("not WORM-protected");
    const key = w.store.key(segmentKey(1));
    const { VersionId } = await gw.client.send(new HeadObjectCommand({ Bucket: WORM, Key: key }));
    await expect(
      gw.client.send(new DeleteObjectCommand({ Bucket: WORM, Key: key, VersionId })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expectAuditIntact(w, db);
  });

  it("SIGKILL mid-apply, resumed from another working directory: exact end state, no open intent", async () => {
    const lease = { SNAPGATE_LOCK_LEASE_SECONDS: "2" };
    const w = await s3World(gw, BUCKET, {}, cleanups);
    const [da, db] = [await workDir(w, "killed"), await workDir(w, "resume")];
    const first = spawnIn(w, da, applyArgs(w), lease);
    cleanups.push(() => first.kill());
    let exited = false;
    void first.done.then(() => (exited = true));
    await waitFor("20 deletions", () => exited || w.emulator.deletedSnapshots().length >= 20);
    expect(exited, first.stderr()).toBe(false);
    await first.kill("SIGKILL");
    const atKill = w.emulator.deletedSnapshots().length;
    expect(atKill).toBeLessThan(80);

    // The killed holder's lease runs out by the server's clock; then the resume takes over.
    const { final, refusals } = await applyUntilDone(w, db, lease);
    expect(final.code, final.stderr).toBe(0);
    const r = JSON.parse(final.stdout) as ApplyResult;
    expect(r.counts.deleted + r.counts.absent).toBe(80);
    expect(r.counts.failed + r.counts.skipped + r.counts.denied).toBe(0);
    // it resumed the same journal: what the killed run finished is reported as done earlier
    expect(r.items.filter((i) => i.detail.endsWith("(in an earlier run)")).length).toBeGreaterThan(
      0,
    );
    expect(refusals).toBeGreaterThanOrEqual(0);
    expectExactlyOnce(w);
    await expectNothingOpen(w);
    await expectAuditIntact(w, db);
    expect(await localState(db)).toEqual([]);
  });

  it("a holder paused (SIGSTOP) past its lease deletes nothing after SIGCONT", async () => {
    const lease = { SNAPGATE_LOCK_LEASE_SECONDS: "2" };
    const w = await s3World(gw, BUCKET, {}, cleanups);
    // slow Lightsail: the holder spends its time waiting on answers, not between check and send
    w.emulator.faults.setLatency(60, 0);
    const [da, db] = [await workDir(w, "paused"), await workDir(w, "taker")];
    const holder = spawnIn(w, da, [...applyArgs(w), "--concurrency", "2"], lease);
    cleanups.push(async () => {
      holder.child.kill("SIGCONT");
      await holder.kill("SIGKILL");
    });
    let exited = false;
    void holder.done.then(() => (exited = true));
    await waitFor("5 deletions", () => exited || w.emulator.deletedSnapshots().length >= 5);
    expect(exited, holder.stderr()).toBe(false);
    holder.child.kill("SIGSTOP");

    // Another working directory takes the lock once the lease has run out, and finishes.
    w.emulator.faults.setLatency(0, 0);
    const { final } = await applyUntilDone(w, db, lease);
    expect(final.code, final.stderr).toBe(0);
    expectExactlyOnce(w);
    const deletesBefore = w.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot").length;

    // The paused holder wakes up: its lease is gone, so it starts no further deletion.
    holder.child.kill("SIGCONT");
    const end = await holder.done;
    expect(end.code).toBe(1);
    expect(end.stderr).toMatch(/lost the lock apply-\d{12}/);
    expect(w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")).toHaveLength(
      deletesBefore,
    );
    expectExactlyOnce(w);
    await expectAuditIntact(w, db);
  });
});

describe("a bad state location is refused before any Lightsail call", () => {
  const cases: [
    string,
    (state: string) => string,
    (w: { env: NodeJS.ProcessEnv }) => NodeJS.ProcessEnv,
    RegExp,
  ][] = [
    [
      "a missing bucket",
      () => "s3://no-such-bucket/x",
      (w) => w.env,
      /state s3:\/\/no-such-bucket\/x: bucket no-such-bucket does not exist/,
    ],
    [
      "a bucket without versioning",
      () => "s3://not-versioned/x",
      (w) => w.env,
      /state s3:\/\/not-versioned\/x: bucket not-versioned does not have versioning enabled/,
    ],
    [
      "denied credentials",
      (s) => s,
      (w) => ({ ...w.env, AWS_SECRET_ACCESS_KEY: "wrong-secret" }),
      /state s3:\/\/apply-state\/\S+: access denied to bucket apply-state/,
    ],
    [
      "an unreachable endpoint",
      (s) => s,
      (w) => ({ ...w.env, AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" }),
      /state s3:\/\/apply-state\/\S+: cannot reach the S3 endpoint \(ECONNREFUSED\)/,
    ],
  ];
  for (const [what, location, envOf, message] of cases) {
    it(`${what}: plan, apply and serve name it and exit 1`, async () => {
      const w = await s3World(gw, BUCKET, {}, cleanups);
      const dir = await workDir(w, "bad");
      const env = { ...envOf(w), SNAPGATE_STATE: location(w.state) };
      const callsBefore = w.emulator.calls().length;
      for (const args of [
        ["plan", "--repo", w.dirs.repo.dir],
        applyArgs(w),
        ["serve", "--repo", w.dirs.repo.dir, "--port", "0", "--interval", "0"],
        ["audit", "--repo", w.dirs.repo.dir],
      ]) {
        const r = await runIn(w, dir, args, env);
        expect(r.code, `${args[0]}: ${r.stderr}`).toBe(1);
        expect(r.stderr, args[0]).toMatch(message);
      }
      // Not one Lightsail (or STS) call was made.
      expect(w.emulator.calls().length).toBe(callsBefore);
    });
  }

  it("--state beats SNAPGATE_STATE, and a bad --state is located", async () => {
    const r = await runCli(["plan", "--repo", "/nonexistent", "--state", "s3://Bad_Bucket/x"], {
      SNAPGATE_STATE: "s3://apply-state/ok",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /--state: "s3:\/\/Bad_Bucket\/x": "Bad_Bucket" is not a valid S3 bucket name/,
    );
    expect(ACCOUNT).toMatch(/^\d{12}$/);
  });
});
