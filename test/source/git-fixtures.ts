/**
 * Real git repositories in temp dirs for the source tests, built with the git
 * CLI (fixed identities and dates so commits are reproducible).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/**
 * The HOME fixtures are built with, captured at load: tests that point HOME at a
 * hostile git config must not have the fixture commits run its hooks.
 */
const FIXTURE_HOME = process.env.HOME ?? "";

const IDENTITY = {
  GIT_AUTHOR_NAME: "Ada Lovelace",
  GIT_AUTHOR_EMAIL: "ada@example.com",
  GIT_COMMITTER_NAME: "Grace Hopper",
  GIT_COMMITTER_EMAIL: "grace@example.com",
};

/** Runs git in `cwd` with a clean, fixed identity; returns trimmed stdout. */
export function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], {
    cwd,
    env: { ...process.env, HOME: FIXTURE_HOME, ...IDENTITY, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `snapgate-test-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Files to write: text content, or `{ symlink: target }`. */
export type FileSpec = Record<string, string | Buffer | { symlink: string }>;

export function writeFiles(dir: string, files: FileSpec): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    rmSync(full, { force: true });
    if (typeof content === "object" && !Buffer.isBuffer(content))
      symlinkSync(content.symlink, full);
    else writeFileSync(full, content);
  }
}

/** A new working repository whose first commit holds `files`. */
export function makeRepo(
  files: FileSpec,
  options: { branch?: string; date?: string } = {},
): string {
  const dir = tempDir("repo");
  git(dir, ["init", "--quiet", "--initial-branch", options.branch ?? "main"]);
  commitFiles(dir, files, "initial commit", options.date);
  return dir;
}

/** Writes `files`, commits them all, returns the new commit sha. */
export function commitFiles(dir: string, files: FileSpec, message: string, date?: string): string {
  writeFiles(dir, files);
  git(dir, ["add", "--all"]);
  const env: Record<string, string> = date
    ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }
    : {};
  git(dir, ["commit", "--quiet", "--no-verify", "-m", message], env);
  return git(dir, ["rev-parse", "HEAD"]);
}

export const RECONCILER_YAML =
  "apiVersion: snapgate.dev/v1\nkind: Reconciler\nmetadata: { name: test }\n";

export function snapshotSet(name: string, keep: string[]): string {
  return `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: ${name} }\nspec:\n  region: us-east-1\n  keep: [${keep.join(", ")}]\n`;
}
