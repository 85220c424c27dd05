/**
 * A world for end-to-end `snapgate serve` tests, with real parts only: the
 * emulator as Lightsail (in this process), a bare git repository with the
 * shipped examples/hooks/post-receive installed, a working clone that commits
 * and pushes, and the BUILT CLI running `serve` as a subprocess.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { AuditRecord } from "../../src/audit-log/log.js";
import {
  type FleetSeedInput,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";
import { CLI } from "../helpers/cli.js";

const execFileAsync = promisify(execFile);
const HOOK = path.resolve(import.meta.dirname, "../../examples/hooks/post-receive");

export const ACCOUNT = "111122223333";
export const SECRET = "e2e-serve-secret-0123456789abcdef";
export const WRONG_SECRET = "not-the-serve-secret-fedcba9876543210";
/** Nothing listens here: a hook pointed at it fails to notify, and the push still succeeds. */
export const DEAD_URL = "http://127.0.0.1:9";

const DAY = 86_400_000;
/** Relative to the real clock: `serve` plans with Date.now(), not SNAPGATE_NOW. */
export const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

export function reconcilerYaml(opts: { suspend?: boolean } = {}): string {
  return `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: e2e }
spec:
  account: "${ACCOUNT}"
  regions: [us-east-1, eu-west-2]
  scope:
    matchTags: { managed-by: snapgate }
  guards:
    maxDeletions: 50
    maxDeletionPercent: 100
    minSnapshotsPerDisk: 1
  policy:
    bundle: builtin
    data: { minAgeDays: 7 }
  apply:
    autoApplyBranches: [main]
${opts.suspend ? "  suspend: true\n" : ""}`;
}

export const snapshotSetYaml = (keep: string[]) => `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  keep: [${keep.join(", ")}]
`;

/** A fleet of `count` managed snapshots of one disk, all old enough for the policy. */
export function fleetOf(names: string[]): FleetSeedInput {
  return {
    account: ACCOUNT,
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 64, tags: { team: "web" } }],
        snapshots: names.map((name, i) => ({
          name,
          fromDisk: "web-data",
          createdAt: daysAgo(30 + i),
          tags: { "managed-by": "snapgate" },
        })),
      },
      "eu-west-2": { disks: [], snapshots: [] },
    },
  };
}

export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sign = (secret: string, body: string) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** what serve wrote to stderr so far (pino JSON lines) */
  stderr(): string;
  /** resolves with the exit code (or the signal) once the process has ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  // biome-ignore lint/suspicious/noExplicitAny: /status is JSON whose shape the tests assert on
  status(): Promise<any>;
  metrics(): Promise<string>;
  /** posts a generic webhook; signature "none" sends it unsigned */
  postGeneric(
    body: string,
    opts?: { secret?: string | "none"; deliveryId?: string },
  ): Promise<{ status: number; json: Record<string, unknown> }>;
}

export interface ServeWorld {
  dir: string;
  bare: string;
  work: string;
  stateDir: string;
  cacheDir: string;
  auditFile: string;
  secretFile: string;
  wrongSecretFile: string;
  emulator: RunningEmulator;
  /** writes files (null deletes), commits, pushes to main; the hook notifies `hookUrl` */
  commitAndPush(
    files: Record<string, string | null>,
    opts?: { message?: string; hookUrl?: string; secretFile?: string },
  ): Promise<{ head: string; hookOutput: string }>;
  startServe(args?: string[], env?: NodeJS.ProcessEnv): Promise<ServeProcess>;
  auditRecords(): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

// Asynchronous on purpose: the emulator lives in this process and must keep answering while git runs.
async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const { stdout, stderr } = await execFileAsync(
    "git",
    ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args],
    { cwd, env: { ...process.env, ...GIT_ENV, ...env } },
  );
  return { stdout: stdout.trim(), stderr };
}

export async function makeServeWorld(opts: {
  snapshots: string[];
  files: Record<string, string>;
}): Promise<ServeWorld> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), "snapgate-serve-e2e-")));
  const bare = path.join(dir, "snapshots.git");
  const work = path.join(dir, "work");
  const stateDir = path.join(dir, "state");
  const cacheDir = path.join(dir, "cache");
  const secretFile = path.join(dir, "webhook-secret");
  const wrongSecretFile = path.join(dir, "wrong-secret");
  await mkdir(stateDir);
  await mkdir(cacheDir);
  await writeFile(secretFile, `# snapgate webhook secret\n${SECRET}\n`, { mode: 0o600 });
  await writeFile(wrongSecretFile, `${WRONG_SECRET}\n`, { mode: 0o600 });
  await git(dir, ["init", "-q", "--bare", bare]);
  await copyFile(HOOK, path.join(bare, "hooks", "post-receive"));
  await git(dir, ["clone", "-q", bare, work]);
  const emulator = await startEmulator({ seed: fleetOf(opts.snapshots) });
  const children: ChildProcess[] = [];

  const world: ServeWorld = {
    dir,
    bare,
    work,
    stateDir,
    cacheDir,
    auditFile: path.join(stateDir, "audit.jsonl"),
    secretFile,
    wrongSecretFile,
    emulator,
    async commitAndPush(files, o = {}) {
      for (const [file, content] of Object.entries(files)) {
        const full = path.join(work, file);
        if (content === null) await rm(full, { force: true });
        else {
          await mkdir(path.dirname(full), { recursive: true });
          await writeFile(full, content);
        }
      }
      await git(work, ["add", "-A"]);
      await git(work, ["commit", "-q", "--allow-empty", "-m", o.message ?? "update"]);
      const pushed = await git(work, ["push", "-q", "origin", "HEAD:refs/heads/main"], {
        SNAPGATE_URL: o.hookUrl ?? DEAD_URL,
        SNAPGATE_WEBHOOK_SECRET_FILE: o.secretFile ?? secretFile,
      });
      const head = (await git(work, ["rev-parse", "HEAD"])).stdout;
      return { head, hookOutput: pushed.stderr };
    },
    async startServe(args = [], env = {}) {
      const serve = await spawnServe(
        ["serve", "--repo", bare, "--branch", "main", "--port", "0", ...args],
        {
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_REGION: "us-east-1",
          AWS_ENDPOINT_URL_LIGHTSAIL: emulator.url,
          AWS_ENDPOINT_URL_STS: emulator.url,
          SNAPGATE_STATE_DIR: stateDir,
          XDG_CACHE_HOME: cacheDir,
          SNAPGATE_WEBHOOK_SECRET: "",
          SNAPGATE_LOG_LEVEL: "info",
          ...env,
        },
      );
      children.push(serve.child);
      return serve;
    },
    async auditRecords() {
      let text: string;
      try {
        text = await readFile(path.join(stateDir, "audit.jsonl"), "utf8");
      } catch {
        return [];
      }
      return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as AuditRecord);
    },
    async close() {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // The initial desired state; nobody listens yet, so the hook's notification just fails.
  await world.commitAndPush(opts.files, { message: "initial desired state" });
  return world;
}

async function spawnServe(args: string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => (stdout += d));
  child.stderr?.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const url = await waitUntil(
    "serve to print its URL",
    () => {
      if (ended) throw new Error(`serve exited before listening:\n${stdout}\n${stderr}`);
      return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    },
    15_000,
  );
  const getJson = async (p: string) => (await fetch(`${url}${p}`)).json();
  return {
    url,
    child,
    stderr: () => stderr,
    exited,
    status: () => getJson("/status"),
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    async postGeneric(body, o = {}) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      const secret = o.secret ?? SECRET;
      if (secret !== "none") headers["x-signature"] = sign(secret, body);
      if (o.deliveryId) headers["x-delivery-id"] = o.deliveryId;
      const res = await fetch(`${url}/webhooks/generic`, { method: "POST", body, headers });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : {} };
    },
  };
}

/** The "reconcile" audit records, oldest first. */
export const reconcileRecords = (records: AuditRecord[]) =>
  records.filter((r) => r.type === "reconcile");
