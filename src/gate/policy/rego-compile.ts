import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { type InputIssue, SnapgateError } from "../../core/errors.js";
import { POLICY_ENTRYPOINT } from "./types.js";

const run = promisify(execFile);

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `opa` on PATH, else the pinned one at <package>/.tools/bin/opa, else null. */
export function findOpa(packageRoot: string, pathEnv = process.env.PATH ?? ""): string | null {
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, "opa");
    if (isExecutable(candidate)) return candidate;
  }
  const pinned = join(packageRoot, ".tools", "bin", "opa");
  return isExecutable(pinned) ? pinned : null;
}

/** `policies/x.rego:12: rego_type_error: …` lines of opa's output, as located issues. */
export function opaIssues(output: string, dirLabel: string): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const line of output.split("\n")) {
    // a single error comes on the summary line: "error: 1 error occurred: x.rego:3: …",
    // or, for a file that does not parse, "error: load error: 1 error occurred during loading: x.rego:5: …"
    const text = line
      .trim()
      .replace(/^error: (?:[a-z ]+: )?\d+ errors? occurred(?: during [a-z ]+)?:\s*/, "");
    const m = /^(.+?\.rego):(\d+)(?::(\d+))?: (.+)$/.exec(text);
    if (!m) continue;
    const file = m[1]!.replace(/^\.\//, "");
    issues.push({
      file: `${dirLabel.replace(/\/+$/, "")}/${file}`,
      line: Number(m[2]),
      ...(m[3] ? { col: Number(m[3]) } : {}),
      message: m[4]!,
    });
  }
  return issues;
}

/**
 * Compiles a Rego directory to an OPA wasm bundle (bundle.tar.gz bytes) with the built-in
 * capabilities, so a policy calling a built-in the JS SDK lacks (time.now_ns, http.send, …)
 * fails here rather than at evaluation. Runs from the directory with "." so the file paths
 * embedded in the module are relative. *_test.rego files are left out.
 */
export async function compileRegoDir(options: {
  opa: string;
  dir: string;
  /** how the directory is named in messages (repo-relative) */
  label: string;
  capabilitiesPath: string;
}): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), "snapgate-rego-"));
  try {
    const out = join(work, "bundle.tar.gz");
    const args = ["build", "-t", "wasm", "-e", POLICY_ENTRYPOINT, "-O=0"];
    args.push("--capabilities", options.capabilitiesPath, "--ignore", "*_test.rego");
    args.push("-o", out, ".");
    try {
      await run(options.opa, args, {
        cwd: options.dir,
        timeout: 120_000,
        maxBuffer: 8 * 1024 * 1024,
        env: { ...process.env, EXPERIMENTAL_WASM_OPT: "" },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const output = `${e.stdout ?? ""}\n${e.stderr ?? ""}`.trim() || e.message;
      const issues = opaIssues(output, options.label);
      throw new SnapgateError(
        "PolicyFailed",
        `policy ${options.label}: opa build failed${issues.length ? "" : `: ${output}`}`,
        issues,
        err,
      );
    }
    return await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
