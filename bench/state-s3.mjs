// Benchmark: state on S3. (1) The apply of bench/apply.mjs (1,000 deletions at
// 20 ms Lightsail latency, 100 req/s) with its lock, journal and audit log on
// S3 — a real S3, the pinned versitygw on 127.0.0.1, bucket with versioning and
// COMPLIANCE Object Lock — against the same apply with local state, measured in
// the same run: the ratio S3/local (target ≤ 1.3). (2) The lock's takeover
// time: a holder (its own process) is SIGKILLed and a contender takes the lock
// over once the server's clock proves the holder has stopped — it sleeps until
// the first moment that can be (the refusal's `retryInMs`), then polls every
// 100 ms (target ≤ lease + 1 s after the holder died). Needs `npm run build` and versitygw
// (scripts/install-versitygw.sh, or on PATH). Imports the built dist/.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateBucketCommand,
  ListBucketsCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { S3AuditLog } from "../dist/audit-log/s3-audit.js";
import { createS3Client } from "../dist/state/s3-client.js";
import { tryS3Lock } from "../dist/state/s3-lock.js";
import { S3StateStore } from "../dist/state/store.js";
import { applyScenario, LATENCY_MS, N, RATE } from "./apply-scenario.mjs";
import { machineLoad } from "./lib.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const BUCKET = "bench-state";
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 5000);
const TAKEOVERS = Number(process.env.BENCH_TAKEOVERS ?? 3);

function versitygw() {
  const candidates = [
    path.join(here, "..", ".tools", "bin", "versitygw"),
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "versitygw")),
  ];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) throw new Error("versitygw not found: run scripts/install-versitygw.sh");
  return found;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startGateway() {
  const base = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-s3-"));
  mkdirSync(path.join(base, "root"));
  mkdirSync(path.join(base, "versions"));
  const credentials = {
    accessKeyId: `bench${randomBytes(4).toString("hex")}`,
    secretAccessKey: randomBytes(20).toString("hex"),
  };
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    versitygw(),
    [
      "--port",
      `127.0.0.1:${port}`,
      "--quiet",
      "posix",
      "--versioning-dir",
      path.join(base, "versions"),
      path.join(base, "root"),
    ],
    {
      env: {
        ...process.env,
        ROOT_ACCESS_KEY: credentials.accessKeyId,
        ROOT_SECRET_KEY: credentials.secretAccessKey,
      },
      stdio: "ignore",
    },
  );
  const client = createS3Client({ endpoint, region: "us-east-1", credentials });
  for (let i = 0; ; i++) {
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (err) {
      if (i > 300) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await client.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  await client.send(
    new PutBucketVersioningCommand({
      Bucket: BUCKET,
      VersioningConfiguration: { Status: "Enabled" },
    }),
  );
  await client.send(
    new PutObjectLockConfigurationCommand({
      Bucket: BUCKET,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
      },
    }),
  );
  return { endpoint, credentials, client, stop: () => child.kill("SIGTERM") };
}

let prefixes = 0;
function s3State(gw) {
  return () => {
    const client = createS3Client({
      endpoint: gw.endpoint,
      region: "us-east-1",
      credentials: gw.credentials,
    });
    const store = new S3StateStore(client, BUCKET, `apply-${++prefixes}`);
    return { store, audit: new S3AuditLog(store) };
  };
}

/** A holder in its own process takes the lock, renews it, and is SIGKILLed; a contender times the takeover. */
async function takeover(gw, n) {
  const prefix = `takeover-${n}`;
  const script = `
    import { createS3Client } from ${JSON.stringify(path.join(here, "..", "dist", "state", "s3-client.js"))};
    import { tryS3Lock } from ${JSON.stringify(path.join(here, "..", "dist", "state", "s3-lock.js"))};
    import { S3StateStore } from ${JSON.stringify(path.join(here, "..", "dist", "state", "store.js"))};
    const client = createS3Client({ endpoint: ${JSON.stringify(gw.endpoint)}, region: "us-east-1",
      credentials: ${JSON.stringify(gw.credentials)} });
    const a = await tryS3Lock(new S3StateStore(client, ${JSON.stringify(BUCKET)}, ${JSON.stringify(prefix)}),
      "apply-111122223333", "bench holder", { leaseMs: ${LEASE_MS} });
    if (!a.ok) process.exit(3);
    console.log("held");
    setInterval(() => {}, 1000);
  `;
  const holder = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    holder.stdout.on("data", (d) => String(d).includes("held") && resolve());
    holder.on("exit", (c) => reject(new Error(`holder exited ${c}`)));
  });
  // Die at a different point of the renewal cycle each time.
  await new Promise((r) => setTimeout(r, (LEASE_MS / 3) * (n % 3) + 200 * n));
  holder.removeAllListeners("exit");
  holder.kill("SIGKILL");
  const diedAt = performance.now();
  const store = new S3StateStore(
    createS3Client({ endpoint: gw.endpoint, region: "us-east-1", credentials: gw.credentials }),
    BUCKET,
    prefix,
  );
  for (;;) {
    const a = await tryS3Lock(store, "apply-111122223333", "bench contender", {
      leaseMs: LEASE_MS,
    });
    if (a.ok) {
      const ms = performance.now() - diedAt;
      await a.lock.release();
      return ms;
    }
    // Sleep until the lease can first be provably over by the server's clock, then poll.
    await new Promise((r) => setTimeout(r, Math.max(100, a.retryInMs ?? 0)));
  }
}

const gw = await startGateway();
try {
  const local = await applyScenario("local state", {}, 1.2);
  const s3 = await applyScenario("S3 state", {}, 1.2, s3State(gw));
  const ratio = +(s3.wallMs / local.wallMs).toFixed(2);
  const takeovers = [];
  for (let i = 0; i < TAKEOVERS; i++) takeovers.push(Math.round(await takeover(gw, i)));
  const worst = Math.max(...takeovers);
  const result = {
    benchmark: "state-s3",
    apply: {
      deletions: N,
      latencyMs: LATENCY_MS,
      rate: RATE,
      localMs: local.wallMs,
      s3Ms: s3.wallMs,
      ratio,
      target: 1.3,
      localCounts: local.counts,
      s3Counts: s3.counts,
    },
    takeover: { leaseMs: LEASE_MS, runsMs: takeovers, worstMs: worst, targetMs: LEASE_MS + 1000 },
    load: machineLoad(),
  };
  mkdirSync(path.join(here, "out"), { recursive: true });
  writeFileSync(path.join(here, "out", "state-s3.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `apply ${N} deletions @${LATENCY_MS}ms, ${RATE} req/s: local state ${local.wallMs} ms, S3 state ${s3.wallMs} ms; ratio ${ratio} (target ≤ 1.3); deleted ${local.counts.deleted} / ${s3.counts.deleted}`,
  );
  console.log(
    `lock takeover after the holder dies, lease ${LEASE_MS} ms: ${takeovers.join(", ")} ms (worst ${worst}; target ≤ ${LEASE_MS + 1000}); load ${result.load.loadAvg1m} on ${result.load.cores} cores`,
  );
} finally {
  gw.stop();
}
