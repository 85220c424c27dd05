/**
 * Runs a command under a real pseudo-terminal (Python's pty module), so the built CLI sees
 * a TTY on stdin, stdout and stderr — what a person at a terminal gets. Optionally types
 * `answer` and Enter once `prompt` appears. Resolves with everything the terminal showed.
 */
import { spawn } from "node:child_process";

const PTY_DRIVER = `
import os, pty, sys, select, time
prompt, answer, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen, sent, deadline = b"", False, time.time() + 120
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    if prompt and not sent and prompt in seen:
        os.write(fd, answer + b"\\r")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;

export function runOnTty(
  argv: string[],
  env: NodeJS.ProcessEnv,
  dialogue: { prompt: string; answer: string } = { prompt: "", answer: "" },
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY_DRIVER, dialogue.prompt, dialogue.answer, ...argv], {
      env: { ...process.env, NODE_NO_WARNINGS: "1", ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}
