/**
 * Reads the shell scripts out of examples/ci/*.yml and runs them the way the CI
 * host would (bash -eo pipefail, the job's environment), with the host's
 * values supplied by the test. Only the scripts run: actions, `uses:` steps and
 * host setup (installing snapgate, credentials) are the host's business.
 */
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { CLI } from "../helpers/cli.js";

const EXAMPLES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "examples",
  "ci",
);

export type Env = Record<string, string>;

export interface CiScript {
  script: string;
  /** the job's own environment (workflow/job/step env, GitLab variables), host values substituted */
  env: Env;
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

function load(file: string): Record<string, unknown> {
  return parse(readFileSync(path.join(EXAMPLES, file), "utf8")) as Record<string, unknown>;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new Error(`${what} is not a mapping`);
  return value as Record<string, unknown>;
}

function stringEnv(value: unknown): Env {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(record(value, "env")).map(([k, v]) => [k, String(v)]));
}

/**
 * `${{ expr }}` → the test's value for expr. An expression the test does not
 * model fails loudly, so a workflow change cannot silently run with holes.
 */
export function substituteExpressions(text: string, values: Env): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
    const value = values[expr];
    if (value === undefined)
      throw new Error(`the workflow uses \${{ ${expr} }}, which the test does not model`);
    return value;
  });
}

/** The `run:` script of the step with `id` in a GitHub Actions job, with its merged env. */
export function githubStep(job: string, id: string, expressions: Env): CiScript {
  const workflow = load("github-actions.yml");
  const jobDef = record(record(workflow.jobs, "jobs")[job], `job ${job}`);
  const steps = jobDef.steps as Array<Record<string, unknown>>;
  const step = steps.find((s) => s.id === id);
  if (!step || typeof step.run !== "string")
    throw new Error(`job ${job} has no run step with id ${id}`);
  const env = { ...stringEnv(workflow.env), ...stringEnv(jobDef.env), ...stringEnv(step.env) };
  const substituted = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, substituteExpressions(v, expressions)]),
  );
  return { script: substituteExpressions(step.run, expressions), env: substituted };
}

/** `$VAR` / `${VAR}` in a GitLab variable value, expanded from `vars` (GitLab does this before the job). */
function expandGitlab(value: string, vars: Env): string {
  return value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => vars[name] ?? "");
}

/** The `script:` of a GitLab job (lines joined, as the runner does), with global + job variables. */
export function gitlabJob(job: string, predefined: Env): CiScript {
  const pipeline = load("gitlab-ci.yml");
  const jobDef = record(pipeline[job], `job ${job}`);
  if (!Array.isArray(jobDef.script)) throw new Error(`job ${job} has no script`);
  const env: Env = {};
  for (const [k, v] of Object.entries({
    ...stringEnv(pipeline.variables),
    ...stringEnv(jobDef.variables),
  })) {
    env[k] = expandGitlab(v, { ...predefined, ...env });
  }
  return { script: (jobDef.script as string[]).join("\n"), env: { ...predefined, ...env } };
}

/** A directory holding a `snapgate` executable that runs the built CLI (what `npm install -g` provides). */
export function installShim(binDir: string): void {
  const shim = path.join(binDir, "snapgate");
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
}

/** Runs a script as GitHub's `shell: bash` does (`bash --noprofile --norc -eo pipefail`), GitLab alike. */
export function runScript(s: CiScript, cwd: string, hostEnv: Env): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", s.script], {
      cwd,
      env: { ...hostEnv, ...s.env, NODE_NO_WARNINGS: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
