/**
 * How a local repository's working tree differs from the commit a plan reads:
 * `plan --repo <path>` plans a committed ref, so an edit not yet committed (or
 * a new file not yet added) under the desired-state paths is silently not part
 * of the plan unless someone says so.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TreeDifference {
  path: string;
  change: "modified" | "added" | "deleted" | "untracked";
}

const STATUS: Readonly<Record<string, TreeDifference["change"]>> = {
  M: "modified",
  T: "modified",
  A: "added",
  D: "deleted",
};

async function git(dir: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(
    "git",
    // no hooks or monitors of the repository's config run for a read-only question
    ["-c", "core.fsmonitor=false", "-c", "core.quotepath=off", ...args],
    {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 60_000,
      env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" },
    },
  );
  return stdout;
}

/**
 * The files under `paths` (repo-relative pathspecs) whose working-tree content differs
 * from `commit`, and the untracked ones; null when `dir` is not a git working tree
 * (a bare repository, or git cannot tell), since then there is nothing to compare.
 */
export async function workingTreeDifferences(
  dir: string,
  commit: string,
  paths: readonly string[],
): Promise<TreeDifference[] | null> {
  try {
    if ((await git(dir, ["rev-parse", "--is-inside-work-tree"])).trim() !== "true") return null;
    const top = (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
    const spec = ["--", ...paths];
    const diff = await git(top, ["diff", "--no-renames", "--name-status", "-z", commit, ...spec]);
    const untracked = await git(top, ["ls-files", "--others", "--exclude-standard", "-z", ...spec]);
    const out: TreeDifference[] = [];
    const fields = diff.split("\0").filter((f) => f !== "");
    for (let i = 0; i + 1 < fields.length; i += 2) {
      out.push({ path: fields[i + 1]!, change: STATUS[fields[i]![0]!] ?? "modified" });
    }
    for (const p of untracked.split("\0").filter((f) => f !== ""))
      out.push({ path: p, change: "untracked" });
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } catch {
    return null;
  }
}

/** The warning for `plan`, or null when the working tree matches what is planned. */
export function workingTreeWarning(
  dir: string,
  ref: string,
  commit: string,
  differences: readonly TreeDifference[] | null,
  shown = 10,
): string | null {
  if (differences === null || differences.length === 0) return null;
  const listed = differences.slice(0, shown).map((d) => `${d.path} (${d.change})`);
  if (differences.length > shown) listed.push(`and ${differences.length - shown} more`);
  return `the working tree of ${dir} differs from ${ref} (${commit.slice(0, 12)}), which this plan reads: ${listed.join(", ")}; the plan does not include these changes — commit them to plan them (\`snapgate validate ${dir}\` checks the working tree as it is)`;
}
