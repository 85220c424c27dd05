/**
 * Hostile files against the built CLI: a plan file or audit log that is /dev/zero, a FIFO or
 * over the size limit is refused before anything is read (never a hang, never gigabytes of
 * memory); a repository policy that loops forever blocks every candidate of `plan`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterEach, describe, expect, it } from "vitest";
import { planDigest } from "../../src/plan/digest.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../helpers/git-repo.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";
import { withEndlessLoop } from "../helpers/wasm-patch.js";

const BUILTIN = path.resolve(import.meta.dirname, "../../policies/bundle");

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function fifo(): string {
  const file = path.join(tempDir("snapgate-fifo-"), "pipe");
  execFileSync("mkfifo", [file]);
  return file;
}

function sparse(bytes: number): string {
  const file = path.join(tempDir("snapgate-big-"), "big.json");
  writeFileSync(file, "");
  truncateSync(file, bytes);
  return file;
}

describe("bounded reads through the CLI", () => {
  it.each([
    ["show", ["show"]],
    ["apply", ["apply", "--repo", "/nonexistent", "--auto-approve"]],
  ])(
    "%s refuses /dev/zero and a FIFO as not regular files, and an oversized plan by its size",
    async (_name, command) => {
      for (const file of ["/dev/zero", fifo()]) {
        const r = await runCli([...command.slice(0, 1), file, ...command.slice(1)]);
        expect(r.code, file).toBe(1);
        expect(r.stderr, file).toContain(`${file}: plan file is not a regular file`);
      }
      const big = sparse(64 * 1024 * 1024 + 1);
      const r = await runCli([...command.slice(0, 1), big, ...command.slice(1)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        `${big}: plan file is 67108865 bytes; the limit is 67108864 bytes (64 MiB)`,
      );
    },
  );

  it("audit-log verify refuses /dev/zero and a FIFO instead of reading forever", async () => {
    for (const file of ["/dev/zero", fifo()]) {
      const r = await runCli(["audit-log", "verify", file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).toContain(`${file}: audit log is not a regular file`);
      expect(r.stderr).not.toContain("Invalid string length");
    }
  });
});

async function tarGz(files: Record<string, Uint8Array | string>): Promise<Buffer> {
  const packer = pack();
  for (const [name, body] of Object.entries(files)) packer.entry({ name }, Buffer.from(body));
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe("a repository policy with an endless loop", () => {
  it("plan finishes: every candidate blocked by one policy error naming the budget, nothing deleted", async () => {
    world = await makeWorld({
      files: {
        "snapgate.yaml": RECONCILER.replace("bundle: builtin", "bundle: policies/loop.tar.gz"),
        "snapshots/web.yaml": webSet(["web-1"]),
      },
    });
    const wasm = readFileSync(path.join(BUILTIN, "policy.wasm"));
    mkdirSync(path.join(world.repo.dir, "policies"), { recursive: true });
    writeFileSync(
      path.join(world.repo.dir, "policies", "loop.tar.gz"),
      await tarGz({ "policy.wasm": withEndlessLoop(wasm, ["eval"]) }),
    );
    world.repo.commit({}, "a looping policy");
    const r = await runCli(["plan", "--repo", world.repo.dir, "--format", "json"], {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_LIGHTSAIL: world.emulator.url,
      AWS_ENDPOINT_URL_STS: world.emulator.url,
      SNAPGATE_STATE_DIR: world.stateDir,
      XDG_CACHE_HOME: world.cacheDir,
      SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
      SNAPGATE_POLICY_TIMEOUT: "2s",
    });
    expect(r.stderr).toBe("");
    const plan = JSON.parse(r.stdout) as {
      deletions: unknown[];
      blocked: { name: string; blockedBy: { kind: string; message: string }[] }[];
    };
    expect(plan.deletions).toEqual([]);
    expect(plan.blocked.length).toBeGreaterThanOrEqual(2);
    for (const b of plan.blocked) {
      expect(b.blockedBy.filter((x) => x.kind === "policy").map((x) => x.message)).toEqual([
        expect.stringMatching(/^policy error: the policy did not finish within 2 s/),
      ]);
    }
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });
});

describe("control characters in text output", () => {
  it("show escapes them in a forged plan's names and messages, so no line can be hidden", async () => {
    world = await makeWorld();
    const env = {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_LIGHTSAIL: world.emulator.url,
      AWS_ENDPOINT_URL_STS: world.emulator.url,
      SNAPGATE_STATE_DIR: world.stateDir,
      XDG_CACHE_HOME: world.cacheDir,
      SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    };
    const planFile = path.join(tempDir("snapgate-forged-"), "plan.json");
    const made = await runCli(["plan", "--repo", world.repo.dir, "--out", planFile], env);
    expect(made.code).toBe(0);
    const plan = JSON.parse(readFileSync(planFile, "utf8"));
    // a self-consistent forgery: escape sequences that would erase the line above, then a new digest
    plan.blocked[0].blockedBy[0].message = "\u001b[1A\u001b[2Kall clear\r";
    plan.source.ref = "main\u001b]0;pwned\u0007";
    const { digest: _old, ...rest } = plan;
    plan.digest = planDigest(rest);
    writeFileSync(planFile, JSON.stringify(plan));
    const r = await runCli(["show", planFile], env);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain("\\x1b[1A\\x1b[2Kall clear\\x0d");
    expect(r.stdout).toContain("main\\x1b]0;pwned\\x07");
    for (const format of ["markdown", "github"]) {
      const other = await runCli(["show", planFile, "--format", format], env);
      expect(other.code, format).toBe(0);
      expect(other.stdout, format).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    }
  });
});
