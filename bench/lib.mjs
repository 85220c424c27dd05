// Shared by the benchmarks: an emulator in its own process (as Lightsail
// would be, so it never shares the client's event loop) and a committed git repo.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts `snapgate emulator` seeded with `fleet`; resolves with its URL once it listens. */
export async function spawnEmulator(fleet, pageSize) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-emu-"));
  const file = path.join(dir, "fleet.yaml");
  writeFileSync(file, JSON.stringify(fleet)); // JSON is YAML
  const cli = path.join(here, "..", "dist", "cli", "main.js");
  const args = [cli, "emulator", "--port", "0", "--seed", file, "--page-size", String(pageSize)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d) => {
      buf += d;
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`emulator exited ${code}`)));
  });
  return { url, pid: child.pid, stop: () => child.kill("SIGTERM") };
}

/** A git repo in a temp dir holding `files` (path → content) in one commit on main. */
export function gitRepo(files) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-bench-repo-"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: "bench",
    GIT_AUTHOR_EMAIL: "bench@snapgate.dev",
    GIT_COMMITTER_NAME: "bench",
    GIT_COMMITTER_EMAIL: "bench@snapgate.dev",
  };
  execFileSync("git", ["-c", "init.defaultBranch=main", "init", "-q"], { cwd: dir, env });
  execFileSync("git", ["add", "-A"], { cwd: dir, env });
  execFileSync("git", ["-c", "commit.gpgsign=false", "commit", "-qm", "bench"], { cwd: dir, env });
  return dir;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Runs each of `fns` `runs` times, interleaved (a, b, a, b …) so that a load spike on
 * this shared machine hits the subject and its baseline alike; returns each one's times (ms).
 */
export async function interleaved(fns, runs) {
  const times = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      // the garbage one left is not the next one's cost (with --expose-gc, as run-all runs)
      globalThis.gc?.();
      const t0 = performance.now();
      await fn();
      times[k].push(performance.now() - t0);
    }
  }
  return times;
}

/** The machine's load while a benchmark ran: 1-minute load average over the core count. */
export function machineLoad() {
  return { loadAvg1m: round(os.loadavg()[0]), cores: os.cpus().length };
}

/**
 * One row of the results table: the figure, the same-run baseline it is divided by, the
 * ratio and its target, and (where the row has one) the ratio to a latency-only floor.
 */
export function row({ id, what, figure, baseline, ratio, target, better, floor, note }) {
  return {
    id,
    what,
    figure,
    baseline,
    ratio: round(ratio),
    target,
    better,
    ...(floor ? { floor: { ...floor, ratio: round(floor.ratio) } } : {}),
    ...(note ? { note } : {}),
  };
}

/** Writes bench/out/<name>.json: the rows and the load they were measured under. */
export function writeRows(name, rows, extra = {}) {
  const outDir = path.join(here, "out");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    path.join(outDir, `${name}.json`),
    `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), node: process.version, load: machineLoad(), rows, ...extra }, null, 2)}\n`,
  );
}
