/**
 * The README's "Walkthrough: the demo by hand", run command by command as a new user would
 * type it: the commands are read from the README itself, so the test breaks when the README
 * stops working. What the test changes, and why:
 *   - `npm ci` is skipped: the suite runs after the build, and the install is shared;
 *   - port 4566 becomes a free port and /tmp/desired a temporary directory (helpers run
 *     side by side), HOME a temporary directory (the default state dir is under it);
 *   - `npx snapgate` runs the built CLI (an `npx` shim on PATH), from a scratch directory
 *     that links the checkout's `examples/`;
 *   - apply runs on a pseudo-terminal, where the account id is typed at the prompt.
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli.js";
import { tempDir } from "../helpers/git-repo.js";
import { runOnTty } from "../helpers/pty.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const ACCOUNT = "111122223333";

/** The first ```sh block after the walkthrough heading: one command per line, comments dropped. */
function walkthroughCommands(readme: string): string[] {
  const section = readme.split(/^## Walkthrough: the demo by hand$/m)[1] ?? "";
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block
    .split("\n")
    .map((l) => l.replace(/\s+#\s.*$/, "").trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Where the user's shell is between commands: `cd` and `cd -` carry over from one line to the next. */
interface ShellDirs {
  pwd: string;
  oldpwd: string;
}

const STATE = "__walkthrough_dirs__";

/** Runs one command line as the user's shell would, from `dirs`, and updates `dirs` afterwards. */
function bash(cmd: string, dirs: ShellDirs, env: NodeJS.ProcessEnv) {
  const script = `OLDPWD=${JSON.stringify(dirs.oldpwd)}
${cmd}
rc=$?
printf '\n${STATE}\t%s\t%s\n' "$PWD" "$OLDPWD"
exit $rc
`;
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-c", script], {
      cwd: dirs.pwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const m = new RegExp(`\n${STATE}\t(.*)\t(.*)\n$`).exec(stdout);
      if (m?.[1]) dirs.pwd = m[1];
      if (m?.[2]) dirs.oldpwd = m[2];
      resolve({ code: code ?? -1, stdout: m ? stdout.slice(0, m.index) : stdout, stderr });
    });
  });
}

const background: ChildProcess[] = [];
afterAll(() => {
  for (const child of background) if (child.exitCode === null) child.kill("SIGTERM");
});

describe("the README walkthrough", () => {
  it("works command by command", async () => {
    const commands = walkthroughCommands(readFileSync(path.join(ROOT, "README.md"), "utf8"));
    expect(commands.length).toBeGreaterThanOrEqual(8);

    const scratch = tempDir("snapgate-walkthrough-");
    const work = path.join(scratch, "work");
    const home = path.join(scratch, "home");
    const bin = path.join(scratch, "bin");
    for (const d of [work, home, bin]) mkdirSync(d);
    symlinkSync(path.join(ROOT, "examples"), path.join(work, "examples"));
    writeFileSync(
      path.join(bin, "npx"),
      `#!/bin/sh\nif [ "$1" = snapgate ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "unexpected: npx $*" >&2; exit 127\n`,
    );
    chmodSync(path.join(bin, "npx"), 0o755);
    const port = await freePort();
    const desired = path.join(scratch, "desired");
    const rewrite = (cmd: string) =>
      cmd.replaceAll("4566", String(port)).replaceAll("/tmp/desired", desired);

    // A fresh user: no AWS or snapgate settings, a git identity for the commit.
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(AWS_|SNAPGATE_|XDG_)/.test(k)),
    );
    Object.assign(env, {
      HOME: home,
      PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}`,
      NODE_NO_WARNINGS: "1",
      GIT_AUTHOR_NAME: "New User",
      GIT_AUTHOR_EMAIL: "user@example.com",
      GIT_COMMITTER_NAME: "New User",
      GIT_COMMITTER_EMAIL: "user@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
    });

    const dirs: ShellDirs = { pwd: work, oldpwd: work };
    const ran: string[] = [];
    for (const original of commands) {
      const cmd = rewrite(original);
      ran.push(original);
      if (cmd === "npm ci") continue;
      if (cmd.startsWith("export ")) {
        for (const m of cmd.matchAll(/(\w+)=(\S+)/g)) env[m[1] as string] = m[2];
        continue;
      }
      if (cmd.endsWith("&")) {
        // the emulator, in the background; the user waits for "listening on"
        const child = spawn("bash", ["--noprofile", "--norc", "-c", `exec ${cmd.slice(0, -1)}`], {
          cwd: dirs.pwd,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        background.push(child);
        const url = await new Promise<string>((resolve, reject) => {
          let out = "";
          let err = "";
          child.stdout?.on("data", (d) => {
            out += d;
            const m = /listening on (http:\S+)/.exec(out);
            if (m?.[1]) resolve(m[1]);
          });
          child.stderr?.on("data", (d) => (err += d));
          child.on("exit", (code) => reject(new Error(`${original}: exited ${code}: ${err}`)));
        });
        expect(url).toBe(`http://127.0.0.1:${port}`);
        continue;
      }
      if (/snapgate apply /.test(cmd)) {
        const r = await runOnTty(
          ["bash", "--noprofile", "--norc", "-c", `cd ${JSON.stringify(dirs.pwd)} && ${cmd}`],
          env,
          {
            prompt: "to continue:",
            answer: ACCOUNT,
          },
        );
        expect(r.code, `${original}\n${r.out}`).toBe(0);
        expect(r.out).toContain(`About to delete 8 snapshot(s) in account ${ACCOUNT}`);
        // what the README says the example shows: "Eight snapshots … are deleted"
        expect(r.out).toContain("Apply: 8 deleted");
        continue;
      }
      const r = await bash(cmd, dirs, env);
      const output = `${original}\n${r.stdout}\n${r.stderr}`;
      if (/snapgate audit /.test(cmd)) {
        // a compliance run reports; after the walkthrough's apply some snapshots stay blocked
        expect([0, 4], output).toContain(r.code);
        for (const f of ["report.json", "report.md", "report.html", "junit.xml"])
          expect(existsSync(path.join(dirs.pwd, "reports", f)), f).toBe(true);
      } else {
        expect(r.code, output).toBe(0);
      }
      if (/snapgate plan /.test(cmd))
        expect(existsSync(path.join(dirs.pwd, "plan.json"))).toBe(true);
      if (/audit-log verify/.test(cmd)) expect(r.stdout).toMatch(/intact/i);
    }
    expect(ran).toEqual(commands);
  }, 180_000);
});
