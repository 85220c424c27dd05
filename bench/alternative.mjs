// Benchmark: the user's alternative. 200 deletions with snapgate's default flags (`snapgate
// plan --out`, then `snapgate apply --auto-approve`: concurrency 4, rate 10 requests/s, the
// fresh re-read before each delete, the audit log and the journal) against a shell-style
// loop of Debian's AWS CLI (/usr/bin/aws, one `aws lightsail delete-disk-snapshot` per
// name, sequentially) over the same names, each against its own emulator seeded alike
// (no injected latency). Target: snapgate no slower than the loop. Writes
// bench/out/alternative.json. Needs `npm run build` and /usr/bin/aws.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { GetDiskSnapshotsCommand, LightsailClient } from "@aws-sdk/client-lightsail";
import { gitRepo, round, row, spawnEmulator, writeRows } from "./lib.mjs";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(here, "..", "dist", "cli", "bin.js");
const AWS = "/usr/bin/aws";
const N = Number(process.env.BENCH_ALTERNATIVE_DELETIONS ?? 200);
const KEEP = 10;
const ACCOUNT = "111122223333";
const name = (i) => `data-${String(i).padStart(5, "0")}`;
const names = Array.from({ length: N }, (_, i) => name(i));

if (!existsSync(AWS))
  throw new Error(`bench/alternative.mjs needs ${AWS} (apt-get install awscli)`);

function seed() {
  const snapshots = Array.from({ length: N + KEEP }, (_, i) => ({
    name: name(i),
    fromDisk: "data",
    createdAt: `-${30 + i}d`,
    tags: { "managed-by": "snapgate" },
  }));
  return { account: ACCOUNT, regions: { "us-east-1": { disks: [{ name: "data" }], snapshots } } };
}

const repo = gitRepo({
  "snapgate.yaml": `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: bench }
spec:
  account: "${ACCOUNT}"
  regions: [us-east-1]
  scope: { matchTags: { managed-by: snapgate } }
  guards: { maxDeletions: 100000, maxDeletionPercent: 100, minSnapshotsPerDisk: 1, allowEmpty: false }
  policy: { bundle: builtin, data: { minAgeDays: 0, maxDeletions: 100000 } }
`,
  "snapshots/data.yaml": `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: data }
spec:
  region: us-east-1
  keep: [${Array.from({ length: KEEP }, (_, i) => name(N + i)).join(", ")}]
`,
});

const credentials = {
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  AWS_PAGER: "",
};

async function remaining(url) {
  const client = new LightsailClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  let count = 0;
  let pageToken;
  do {
    const page = await client.send(new GetDiskSnapshotsCommand({ pageToken }));
    count += page.diskSnapshots.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return count;
}

async function snapgate() {
  const emulator = await spawnEmulator(seed(), 50);
  try {
    const work = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-alt-"));
    const env = {
      ...process.env,
      ...credentials,
      NODE_NO_WARNINGS: "1",
      AWS_ENDPOINT_URL: emulator.url,
      SNAPGATE_STATE_DIR: path.join(work, "state"),
    };
    const planFile = path.join(work, "plan.json");
    const t0 = performance.now();
    await run(process.execPath, [BIN, "plan", "--repo", repo, "--out", planFile], { env });
    await run(process.execPath, [BIN, "apply", planFile, "--repo", repo, "--auto-approve"], {
      env,
    });
    const ms = performance.now() - t0;
    if ((await remaining(emulator.url)) !== KEEP) throw new Error("snapgate left snapshots");
    return ms;
  } finally {
    emulator.stop();
  }
}

async function awsLoop() {
  const emulator = await spawnEmulator(seed(), 50);
  try {
    const env = { PATH: process.env.PATH, HOME: "/nonexistent", ...credentials };
    const t0 = performance.now();
    for (const n of names) {
      await run(
        AWS,
        [
          "lightsail",
          "delete-disk-snapshot",
          "--disk-snapshot-name",
          n,
          "--endpoint-url",
          emulator.url,
        ],
        { env },
      );
    }
    const ms = performance.now() - t0;
    if ((await remaining(emulator.url)) !== KEEP)
      throw new Error("the AWS CLI loop left snapshots");
    return ms;
  } finally {
    emulator.stop();
  }
}

const snapgateMs = await snapgate();
const awsMs = await awsLoop();
console.log(
  `${N} deletions: snapgate plan + apply (default flags) ${round(snapgateMs / 1000, 1)} s; an AWS CLI loop ${round(awsMs / 1000, 1)} s; ratio ${round(snapgateMs / awsMs)}`,
);
writeRows("alternative", [
  row({
    id: "alternative.aws-cli",
    what: `${N} deletions: snapgate plan + apply with default flags vs an AWS CLI loop over the same names`,
    figure: `${round(snapgateMs / 1000, 1)} s`,
    baseline: `${round(awsMs / 1000, 1)} s`,
    ratio: snapgateMs / awsMs,
    target: 1,
    better: "lower",
    note: "apply's defaults: concurrency 4, 10 requests/s, a fresh read before each delete, audit log and journal; the loop: one aws process per name",
  }),
]);
