/** Real git repositories in temp dirs for tests. */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    "git",
    ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", ...args],
    {
      cwd,
      env: GIT_ENV,
      encoding: "utf8",
    },
  ).trim();
}

export function tempDir(prefix = "snapgate-test-"): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestRepo {
  dir: string;
  /** writes files (path → content; null deletes), commits, returns the sha */
  commit(files: Record<string, string | null>, message?: string): string;
  head(): string;
}

export function makeRepo(files: Record<string, string> = {}, fromDir?: string): TestRepo {
  const dir = tempDir("snapgate-repo-");
  git(dir, "init", "-q");
  if (fromDir) cpSync(fromDir, dir, { recursive: true });
  const repo: TestRepo = {
    dir,
    commit(changes, message = "update") {
      for (const [file, content] of Object.entries(changes)) {
        const full = path.join(dir, file);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(path.dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      git(dir, "add", "-A");
      git(dir, "commit", "-q", "--allow-empty", "-m", message);
      return repo.head();
    },
    head: () => git(dir, "rev-parse", "HEAD"),
  };
  repo.commit(files, "initial");
  return repo;
}
