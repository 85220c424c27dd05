/** The built CLI as a long-running subprocess the suites can SIGKILL. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { CLI, type CliResult } from "../helpers/cli.js";

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** resolves when the process has exited; code is null when killed by a signal */
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
  /** sends `signal` (default SIGKILL); after SIGKILL, waits for the exit */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string } = {},
): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end();
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error("could not start the CLI");
  return {
    child,
    pid: child.pid,
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      if (signal === "SIGKILL") await done;
    },
  };
}

/** Resolves once `stdout` of the process contains a line matching `re`, or rejects on exit. */
export function waitForOutput(
  proc: CliProcess,
  re: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${re}; stderr: ${proc.stderr()}`));
    }, timeoutMs);
    const check = () => {
      const m = proc.stdout().match(re);
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`process exited before printing ${re}; stderr: ${proc.stderr()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stdout.off("data", check);
      proc.child.off("close", onExit);
    };
    proc.child.stdout.on("data", check);
    proc.child.on("close", onExit);
    check();
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
