/**
 * A real S3 for the tests of state on S3: the pinned Versity S3 Gateway
 * (scripts/install-versitygw.sh) on 127.0.0.1 over a temp directory, with
 * versioning. It enforces If-None-Match / If-Match and Object Lock.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateBucketCommand,
  ListBucketsCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createS3Client } from "../../src/state/s3-client.js";
import { S3StateStore } from "../../src/state/s3-store.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `versitygw` from .tools/bin (this checkout's), else PATH; throws how to install it. */
export function versitygwPath(): string {
  const candidates = [
    path.join(repoRoot, ".tools", "bin", "versitygw"),
    ...(process.env.PATH ?? "").split(path.delimiter).map((d) => path.join(d, "versitygw")),
  ];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) {
    throw new Error(
      "versitygw (the S3 the state tests run against) is not installed: run scripts/install-versitygw.sh (it builds the pinned version into .tools/bin/versitygw)",
    );
  }
  return found;
}

export interface BucketOptions {
  /** default true: state on S3 requires it */
  versioning?: boolean;
  /** create with Object Lock enabled, optionally with a default retention */
  objectLock?: boolean | { mode: "COMPLIANCE" | "GOVERNANCE"; days: number };
}

export interface S3Gateway {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** a client with the gateway's root credentials */
  client: S3Client;
  /** a fresh client, e.g. one per contender, or with other credentials */
  newClient(credentials?: { accessKeyId: string; secretAccessKey: string }): S3Client;
  createBucket(name: string, opts?: BucketOptions): Promise<void>;
  store(bucket: string, prefix?: string, client?: S3Client): S3StateStore;
  /** environment for a subprocess that should use this gateway through the SDK conventions */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** `rootKey`: the root key to run with (e.g. the emulator's built-in "test" key); random by default */
export async function startS3Gateway(
  rootKey: { accessKey: string; secretKey: string } | undefined = undefined,
): Promise<S3Gateway> {
  const bin = versitygwPath();
  const base = await mkdtemp(path.join(os.tmpdir(), "snapgate-s3-"));
  const root = path.join(base, "root");
  const versions = path.join(base, "versions");
  await mkdir(root);
  await mkdir(versions);
  const accessKey = rootKey?.accessKey ?? `test${randomBytes(6).toString("hex")}`;
  const secretKey = rootKey?.secretKey ?? randomBytes(20).toString("hex");
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    bin,
    ["--port", `127.0.0.1:${port}`, "--quiet", "posix", "--versioning-dir", versions, root],
    {
      env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const credentials = { accessKeyId: accessKey, secretAccessKey: secretKey };
  const newClient = (c = credentials) =>
    createS3Client({ endpoint, region: "us-east-1", credentials: c, maxAttempts: 1 });
  const client = newClient();

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`versitygw exited at start:\n${output}`);
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`versitygw did not answer on ${endpoint}: ${String(err)}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return {
    endpoint,
    accessKey,
    secretKey,
    client,
    newClient,
    async createBucket(name, opts = {}) {
      const lock = opts.objectLock;
      await client.send(
        new CreateBucketCommand({
          Bucket: name,
          ...(lock ? { ObjectLockEnabledForBucket: true } : {}),
        }),
      );
      if (opts.versioning ?? true) {
        await client.send(
          new PutBucketVersioningCommand({
            Bucket: name,
            VersioningConfiguration: { Status: "Enabled" },
          }),
        );
      }
      if (typeof lock === "object") {
        await client.send(
          new PutObjectLockConfigurationCommand({
            Bucket: name,
            ObjectLockConfiguration: {
              ObjectLockEnabled: "Enabled",
              Rule: { DefaultRetention: { Mode: lock.mode, Days: lock.days } },
            },
          }),
        );
      }
    },
    store(bucket, prefix = "", c = client) {
      return new S3StateStore(c, bucket, prefix);
    },
    env() {
      return {
        AWS_ENDPOINT_URL_S3: endpoint,
        AWS_ACCESS_KEY_ID: accessKey,
        AWS_SECRET_ACCESS_KEY: secretKey,
        AWS_REGION: "us-east-1",
      };
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      // Segments under compliance retention are files; the temp dir goes with the test run.
      await rm(base, { recursive: true, force: true }).catch(() => {});
    },
  };
}
