/**
 * Two `serve` replicas on one S3 state (a real versitygw), each in its own
 * working directory with its own git cache, both auto-applying the same push:
 * both plan, at most one applies at a time, each approved snapshot is deleted
 * exactly once, and /status says which replica holds the lock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import { duplicates } from "../resilience/evidence.js";
import { desiredFiles, isApprovedName } from "../resilience/world.js";
import {
  expectAuditIntact,
  type Proc,
  type S3World,
  SMALL,
  s3World,
  sleep,
  spawnIn,
  waitFor,
  workDir,
} from "./s3-world.js";

let gw: S3Gateway;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("serve-state");
}, 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await gw?.stop();
});

interface Holder {
  lockId: string;
  pid: number;
  thisReplica: boolean;
}

interface Status {
  lastCommit: string | null;
  lastResult: { ok: boolean; error?: string } | null;
  lastApply: { deleted: number; failed: number } | null;
  queue: { running: unknown; pending: unknown };
  lock?: { state: string; holders: Holder[] };
}

async function statusOf(url: string): Promise<Status> {
  return (await (await fetch(`${url}/status`)).json()) as Status;
}

async function startReplica(w: S3World, name: string): Promise<{ proc: Proc; url: string }> {
  const dir = await workDir(w, name);
  const proc = spawnIn(w, dir, [
    "serve",
    "--repo",
    w.dirs.repo.dir,
    "--branch",
    "main",
    "--port",
    "0",
    "--interval",
    "1s",
    "--concurrency",
    "8",
    "--rate",
    "1000",
  ]);
  cleanups.push(() => proc.kill());
  let url: string | undefined;
  await waitFor(
    `${name} listening`,
    () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.stderr()}`);
      url = /listening on (http:\/\/\S+)/.exec(proc.stdout())?.[1];
      return url !== undefined;
    },
    30_000,
  );
  return { proc, url: url! };
}

/** Reconciled `commit` successfully, nothing running or queued. */
async function settledOn(url: string, commit: string): Promise<Status> {
  let last: Status | undefined;
  try {
    await waitFor(
      `serve settled on ${commit.slice(0, 8)}`,
      async () => {
        last = await statusOf(url);
        return (
          last.lastCommit === commit &&
          last.lastResult?.ok === true &&
          last.queue.running === null &&
          last.queue.pending === null
        );
      },
      120_000,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}: ${JSON.stringify(last)}`);
  }
  return last!;
}

describe("two serve replicas on one S3 state", () => {
  it("both auto-apply the same push: exactly once, one holds the lock and /status names it", async () => {
    const w = await s3World(gw, "serve-state", { autoApply: true, plan: false }, cleanups);
    const approved = w.emulator
      .snapshots()
      .filter((s) => isApprovedName(s.name))
      .map((s) => s.arn);
    expect(approved).toHaveLength(80);
    // Suspended first: both replicas start, reconcile, and apply nothing.
    const yaml = desiredFiles(SMALL, true)["snapgate.yaml"]!;
    const suspended = w.dirs.repo.commit({ "snapgate.yaml": `${yaml}  suspend: true\n` });
    const [a, b] = await Promise.all([startReplica(w, "a"), startReplica(w, "b")]);
    await Promise.all([settledOn(a.url, suspended), settledOn(b.url, suspended)]);
    expect(w.emulator.deletedSnapshots()).toEqual([]);

    // The push: both pollers see the branch move and reconcile it.
    w.emulator.faults.setLatency(30, 0);
    const push = w.dirs.repo.commit({ "snapgate.yaml": yaml });
    let seen: { holder: Holder; other: Holder } | undefined;
    await waitFor(
      "both replicas' /status to name the same lock holder",
      async () => {
        const [sa, sb] = await Promise.all([statusOf(a.url), statusOf(b.url)]);
        const ha = sa.lock?.holders[0];
        const hb = sb.lock?.holders[0];
        if (ha && hb && ha.lockId === hb.lockId && ha.thisReplica !== hb.thisReplica)
          seen = ha.thisReplica ? { holder: ha, other: hb } : { holder: hb, other: ha };
        return seen !== undefined;
      },
      120_000,
    );
    expect([a.proc.pid, b.proc.pid]).toContain(seen!.holder.pid);
    expect(seen!.other.pid).toBe(seen!.holder.pid);
    w.emulator.faults.setLatency(0, 0);

    const [sa, sb] = await Promise.all([settledOn(a.url, push), settledOn(b.url, push)]);
    expect(sa.lock?.state).toBe(w.state);
    // One replica applied all 80; the other was refused by the lock (then re-planned and found
    // nothing left) or planned after the first had finished.
    const deleted = [sa, sb].map((s) => s.lastApply?.deleted ?? 0);
    expect(deleted.reduce((x, y) => x + y, 0)).toBe(80);
    const gone = w.emulator.deletedSnapshots().map((d) => d.arn);
    expect(duplicates(gone)).toEqual([]);
    expect(gone.sort()).toEqual(approved.sort());
    const perName = new Map<string, number>();
    for (const c of w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot")) {
      perName.set(`${c.region}/${c.target}`, (perName.get(`${c.region}/${c.target}`) ?? 0) + 1);
    }
    expect([...perName.values()].every((n) => n === 1)).toBe(true);
    expect(perName.size).toBe(80);
    // No lock left once both are idle.
    await waitFor("the lock to be released", async () => {
      const s = await statusOf(a.url);
      return (s.lock?.holders ?? []).length === 0;
    });
    await sleep(0);
    await expectAuditIntact(w, await workDir(w, "verify"));
  }, 300_000);
});
