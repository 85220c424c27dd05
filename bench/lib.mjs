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
