#!/usr/bin/env node
/**
 * `npm run demo`: the embedded Lightsail emulator seeded with
 * examples/fleet.yaml, examples/desired-state/ turned into a git repo, then the
 * same commands a user types — plan (with every kept snapshot's reasons), explain,
 * apply, audit, audit-log verify — run as the real CLI, each printed before it runs.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../emulator/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = path.join(root, "dist", "cli", "main.js");
const bold = (s: string) => (process.stdout.isTTY ? `\u001b[1m${s}\u001b[0m` : s);

function makeRepo(work: string): string {
  const repo = path.join(work, "desired-state");
  cpSync(path.join(root, "examples", "desired-state"), repo, { recursive: true });
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "snapgate demo",
    GIT_AUTHOR_EMAIL: "demo@snapgate.dev",
    GIT_COMMITTER_NAME: "snapgate demo",
    GIT_COMMITTER_EMAIL: "demo@snapgate.dev",
  };
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, env, stdio: "pipe" });
  git("-c", "init.defaultBranch=main", "init", "-q");
  git("add", "-A");
  git("-c", "commit.gpgsign=false", "commit", "-q", "-m", "Desired Lightsail snapshots");
  return repo;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`\n${bold(`$ snapgate ${args.join(" ")}`)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = mkdtempSync(path.join(os.tmpdir(), "snapgate-demo-"));
  const emulator = await startEmulator({
    seed: path.join(root, "examples", "fleet.yaml"),
    statePath: path.join(work, "lightsail-state.json"),
  });
  process.stdout.write(
    `${bold("snapgate demo")}\nLightsail emulator listening on ${emulator.url} (fleet: examples/fleet.yaml)\n`,
  );
  try {
    const repo = makeRepo(work);
    process.stdout.write(
      `Desired state: examples/desired-state/ committed to a git repo at ${repo}\n`,
    );
    const stateDir = path.join(work, "state");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL_LIGHTSAIL: emulator.url,
      AWS_ENDPOINT_URL_STS: emulator.url,
      SNAPGATE_STATE_DIR: stateDir,
      XDG_CACHE_HOME: path.join(work, "cache"),
      NODE_NO_WARNINGS: "1",
    };
    const planFile = path.join(work, "plan.json");
    const reports = path.join(work, "reports");
    const steps: { args: string[]; ok: number[] }[] = [
      {
        args: [
          "plan",
          "--repo",
          repo,
          "--ref",
          "main",
          "--out",
          planFile,
          "--show-kept",
          "--detailed-exitcode",
        ],
        ok: [0, 2],
      },
      // why a snapshot stays (a weekly of the rotation) and why another one goes
      {
        args: ["explain", "--repo", repo, "--ref", "main", "us-east-1/web-data-2026-11-08"],
        ok: [0],
      },
      {
        args: ["explain", "--repo", repo, "--ref", "main", "us-east-1/web-data-2026-11-12"],
        ok: [0],
      },
      { args: ["apply", planFile, "--repo", repo, "--auto-approve"], ok: [0, 5] },
      { args: ["audit", "--repo", repo, "--ref", "main", "--report-dir", reports], ok: [0, 4] },
      { args: ["audit-log", "verify", path.join(stateDir, "audit.jsonl")], ok: [0] },
    ];
    for (const step of steps) {
      const code = await run(step.args, env);
      if (!step.ok.includes(code)) throw new Error(`snapgate ${step.args[0]} exited ${code}`);
    }
    const summary = [
      "",
      bold("Where everything is:"),
      `  plan file         ${planFile}`,
      `  audit log         ${path.join(stateDir, "audit.jsonl")}`,
      `  apply journals    ${path.join(stateDir, "journals")}`,
      `  reports           ${reports}/report.{json,md,html} and junit.xml`,
      `  emulator state    ${path.join(work, "lightsail-state.json")}`,
      `  desired-state repo ${repo}`,
      `Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      "",
    ];
    process.stdout.write(summary.join("\n"));
    writeFileSync(path.join(work, "README.txt"), summary.join("\n"));
  } finally {
    await emulator.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
