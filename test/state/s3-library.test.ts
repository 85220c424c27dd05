/**
 * The library entry (src/index.ts) with its state on S3 (a real versitygw): makePlan and
 * applyPlan take `state: "s3://bucket/prefix"` as the CLI's --state, keep the audit chain,
 * journal and lock in the bucket, and refuse a bad location before any Lightsail call.
 * Lightsail is the emulator the library exports; the desired state a real git repo.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { S3Journal } from "../../src/apply/s3-journal.js";
import { S3AuditLog, verifyS3AuditLog } from "../../src/audit-log/s3-audit.js";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import {
  applyPlan,
  isSnapgateError,
  makePlan,
  type Plan,
  type RunningEmulator,
  startEmulator,
} from "../../src/index.js";
import { listLocks } from "../../src/state/locks.js";
import { makeRepo, type TestRepo, tempDir } from "../helpers/git-repo.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import { ACCOUNT, RECONCILER, webSet } from "../helpers/scenario.js";

const BUCKET = "library-state";
const DAY = 86_400_000;
/** The emulator's built-in key runs the gateway too: one set of credentials for both. */
const KEY = { accessKey: "test", secretKey: "test" };

let gw: S3Gateway;
let emulator: RunningEmulator;
let repo: TestRepo;
let root: string;
let worlds = 0;
const savedEnv = { ...process.env };

/** Ages from the real clock: applyPlan checks a plan's staleness against now. */
function fleet(): FleetSeedInput {
  const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
  const snap = (name: string, days: number, tags: Record<string, string>) => ({
    name,
    fromDisk: "web-data",
    createdAt: ago(days),
    tags,
  });
  const managed = { "managed-by": "snapgate" };
  return {
    account: ACCOUNT,
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 64, tags: {} }],
        snapshots: [
          snap("web-1", 1, managed),
          snap("web-old", 30, managed),
          snap("web-older", 40, managed),
          snap("manual", 90, {}),
        ],
      },
      "eu-west-2": { disks: [], snapshots: [] },
    },
  };
}

/** S3 on the gateway through the SDK conventions, and no state location chosen. */
function resetEnv(): void {
  process.env = {
    ...savedEnv,
    ...gw.env(),
    // a state directory nobody must use: `state` (and SNAPGATE_STATE) win over it
    SNAPGATE_STATE_DIR: path.join(root, "unused-state-dir"),
    XDG_CACHE_HOME: path.join(root, "xdg-cache"),
  };
  delete process.env.SNAPGATE_STATE;
}

beforeAll(async () => {
  gw = await startS3Gateway(KEY);
  await gw.createBucket(BUCKET);
  await gw.createBucket("not-versioned", { versioning: false });
  root = tempDir("snapgate-library-");
  resetEnv();
  repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
}, 60_000);

afterEach(async () => {
  await emulator?.close();
  resetEnv();
});

afterAll(async () => {
  process.env = savedEnv;
  await gw?.stop();
});

async function world(): Promise<{ state: string; prefix: string; cacheDir: string }> {
  emulator = await startEmulator({ seed: fleet() });
  const prefix = `lib-${process.pid}-${++worlds}`;
  return {
    state: `s3://${BUCKET}/${prefix}`,
    prefix,
    cacheDir: path.join(root, `cache-${worlds}`),
  };
}

const deletedNames = () =>
  emulator
    .deletedSnapshots()
    .map((d) => d.name)
    .sort();

describe("the library with state on S3", () => {
  it("makePlan and applyPlan keep the audit chain, journal and lock at s3://bucket/prefix", async () => {
    const { state, prefix, cacheDir } = await world();
    const plan = await makePlan({ repo: repo.dir, endpointUrl: emulator.url, state, cacheDir });
    expect(plan.deletions.map((d) => d.name).sort()).toEqual(["web-old", "web-older"]);

    const result = await applyPlan(plan, {
      repo: repo.dir,
      endpointUrl: emulator.url,
      state,
      cacheDir,
      rate: 100,
    });
    expect(result.counts).toEqual({ deleted: 2, absent: 0, skipped: 0, denied: 0, failed: 0 });
    expect(deletedNames()).toEqual(["web-old", "web-older"]);

    const store = gw.store(BUCKET, prefix);
    // One chain on S3 from both calls: the plan, then the apply with its intents and results.
    const verify = await verifyS3AuditLog(store);
    expect(verify.ok, JSON.stringify(verify)).toBe(true);
    if (verify.ok) expect(verify.openIntents).toEqual([]);
    const records = await new S3AuditLog(store).readRecords();
    const types = records.map((r) => r.type);
    expect(types[0]).toBe("plan");
    expect(types).toContain("apply-start");
    expect(types.filter((t) => t === "delete-result")).toHaveLength(2);
    expect(types.at(-1)).toBe("apply-summary");
    // The plan's journal holds every result, no run is left open, the lock is released.
    const journal = await S3Journal.open(store, plan.digest);
    expect(journal.interrupted()).toEqual([]);
    expect((await store.list("journals")).filter((k) => k.endsWith(".open"))).toEqual([]);
    expect(await listLocks(store)).toEqual([]);
    // Nothing went to the state directory of the environment.
    expect(existsSync(path.join(root, "unused-state-dir"))).toBe(false);
  });

  it("with no option, SNAPGATE_STATE is the location, as on the CLI", async () => {
    const { state, prefix, cacheDir } = await world();
    process.env.SNAPGATE_STATE = state;
    const plan = await makePlan({ repo: repo.dir, endpointUrl: emulator.url, cacheDir });
    const records = await new S3AuditLog(gw.store(BUCKET, prefix)).readRecords();
    expect(records.filter((r) => r.type === "plan").map((r) => r.planDigest)).toEqual([
      plan.digest,
    ]);
    expect(existsSync(path.join(root, "unused-state-dir"))).toBe(false);
  });

  it("stateDir still names a local state directory (the alias of `state`)", async () => {
    const { cacheDir } = await world();
    const stateDir = path.join(root, `dir-state-${worlds}`);
    const plan = await makePlan({ repo: repo.dir, endpointUrl: emulator.url, stateDir, cacheDir });
    const result = await applyPlan(plan, {
      repo: repo.dir,
      endpointUrl: emulator.url,
      stateDir,
      cacheDir,
      rate: 100,
    });
    expect(result.counts.deleted).toBe(2);
    expect(existsSync(path.join(stateDir, "audit.jsonl"))).toBe(true);
    expect(existsSync(path.join(stateDir, "journals"))).toBe(true);
  });
});

describe("a bad state location is refused before any Lightsail call", () => {
  const cases: [string, string, Record<string, string>, string, RegExp][] = [
    [
      "an unsupported scheme",
      "ftp://host/x",
      {},
      "BadInput",
      // named as the library's option, not the CLI's flag
      /(?<!-)\bstate: "ftp:\/\/host\/x": unsupported scheme ftp:\/\//,
    ],
    [
      "an invalid bucket name",
      "s3://Bad_Bucket/x",
      {},
      "BadInput",
      /"Bad_Bucket" is not a valid S3 bucket name/,
    ],
    [
      "a missing bucket",
      "s3://no-such-bucket/x",
      {},
      "StateFailed",
      /state s3:\/\/no-such-bucket\/x: bucket no-such-bucket does not exist/,
    ],
    [
      "a bucket without versioning",
      "s3://not-versioned/x",
      {},
      "StateFailed",
      /state s3:\/\/not-versioned\/x: bucket not-versioned does not have versioning enabled/,
    ],
    [
      "an unreachable endpoint",
      `s3://${BUCKET}/x`,
      { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" },
      "StateFailed",
      /cannot reach the S3 endpoint \(ECONNREFUSED\)/,
    ],
  ];

  for (const [what, state, env, code, message] of cases) {
    it(`${what}: makePlan and applyPlan reject naming it, no Lightsail or STS call`, async () => {
      const { cacheDir } = await world();
      // a plan that would delete, made with good state, for applyPlan to refuse
      const plan: Plan = await makePlan({
        repo: repo.dir,
        endpointUrl: emulator.url,
        state: `s3://${BUCKET}/good-${worlds}`,
        cacheDir,
      });
      expect(plan.deletions).toHaveLength(2);
      Object.assign(process.env, env);
      const callsBefore = emulator.calls().length;
      const attempts = [
        () => makePlan({ repo: repo.dir, endpointUrl: emulator.url, state, cacheDir }),
        () => applyPlan(plan, { repo: repo.dir, endpointUrl: emulator.url, state, cacheDir }),
      ];
      for (const attempt of attempts) {
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isSnapgateError(err), String(err)).toBe(true);
        expect((err as { code: string }).code).toBe(code);
        expect(String((err as Error).message)).toMatch(message);
      }
      expect(emulator.calls().length).toBe(callsBefore);
      expect(deletedNames()).toEqual([]);
    });
  }
});
