/**
 * Reads the desired-state files from a checked-out directory: `snapgate.yaml`
 * (or `.yml`) and every `*.yaml` / `*.yml` under `snapshots/`, recursively,
 * sorted by path. A repository is untrusted input, so symlinks that leave it,
 * symlinked directories, non-regular files, files over the size limit, invalid
 * UTF-8, too many files and too deep a tree are refused with located errors,
 * all of them at once.
 */
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { badInput, type InputIssue, SnapgateError } from "../core/errors.js";
import { mapBounded } from "../core/map-bounded.js";
import { type FileProblem, readRepoText, resolveInside } from "../core/untrusted-file.js";
import { MAX_CONFIG_FILE_BYTES } from "../core/yaml-limits.js";
import {
  isYamlName,
  MAX_SNAPSHOT_DEPTH,
  MAX_SNAPSHOT_FILES,
  RECONCILER_NAMES,
  SNAPSHOTS_DIR,
} from "./layout.js";
import type { DesiredFile, DesiredFiles } from "./load.js";

/** Files read at once: enough to overlap I/O, few enough for any fd limit (a repo may hold thousands). */
const FILES_AT_ONCE = 16;

export async function readDesiredFiles(dir: string): Promise<DesiredFiles> {
  const root = await realpath(dir).catch((err: unknown) => {
    throw new SnapgateError(
      "SourceFailed",
      `cannot read the desired-state directory ${dir}`,
      [],
      err,
    );
  });
  const issues: InputIssue[] = [];

  const present: string[] = [];
  for (const name of RECONCILER_NAMES) if (await exists(path.join(root, name))) present.push(name);
  if (present.length > 1) {
    issues.push({
      file: present[1] ?? "snapgate.yml",
      message: `both ${present.join(" and ")} exist: keep only one`,
    });
  }
  const reconcilerName = present[0];
  const reconciler = reconcilerName ? await readOne(root, reconcilerName, issues) : null;

  // Read concurrently; each file's issues are kept apart so the report order stays the file order.
  const read = await mapBounded(
    await listSnapshotFiles(root, issues),
    FILES_AT_ONCE,
    async (rel) => {
      const own: InputIssue[] = [];
      return { file: await readOne(root, rel, own), own };
    },
  );
  const snapshotSets: DesiredFile[] = [];
  for (const { file, own } of read) {
    issues.push(...own);
    if (file) snapshotSets.push(file);
  }

  if (issues.length > 0) {
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    throw badInput(issues, `the desired-state files have ${count}`);
  }
  return { reconciler, snapshotSets };
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** `snapshots/…` for every YAML file under snapshots/, at any depth up to the limit, sorted by path. */
async function listSnapshotFiles(root: string, issues: InputIssue[]): Promise<string[]> {
  const dirPath = path.join(root, SNAPSHOTS_DIR);
  if (!(await exists(dirPath))) return [];
  const resolved = await insideRoot(root, SNAPSHOTS_DIR, issues);
  if (!resolved) return [];
  if (!(await stat(resolved)).isDirectory()) {
    issues.push({ file: SNAPSHOTS_DIR, message: "is not a directory" });
    return [];
  }
  const found: string[] = [];
  const tooMany = await walk(resolved, SNAPSHOTS_DIR, 0, found, issues);
  if (tooMany) {
    issues.push({
      file: SNAPSHOTS_DIR,
      message: `holds more than ${MAX_SNAPSHOT_FILES} YAML files, the limit: refused`,
    });
    return [];
  }
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Collects YAML paths below `real` (shown as `rel`) into `found`. Only real
 * directories are entered, so the walk stays inside the repository and cannot
 * loop; a symlink to a directory is refused rather than silently skipped.
 * Returns true as soon as more than MAX_SNAPSHOT_FILES were found.
 */
async function walk(
  real: string,
  rel: string,
  depth: number,
  found: string[],
  issues: InputIssue[],
): Promise<boolean> {
  for (const entry of await readdir(real, { withFileTypes: true })) {
    const entryRel = `${rel}/${entry.name}`;
    if (isYamlName(entry.name)) {
      found.push(entryRel); // readOne refuses what is not a regular file inside the repository
      if (found.length > MAX_SNAPSHOT_FILES) return true;
    } else if (entry.isDirectory()) {
      if (depth >= MAX_SNAPSHOT_DEPTH) {
        issues.push({
          file: entryRel,
          message: `is more than ${MAX_SNAPSHOT_DEPTH} directories deep under ${SNAPSHOTS_DIR}/, the limit: refused`,
        });
        continue;
      }
      const full = path.join(real, entry.name);
      if (await walk(full, entryRel, depth + 1, found, issues)) return true;
    } else if (entry.isSymbolicLink() && (await isDirectory(path.join(real, entry.name)))) {
      issues.push({
        file: entryRel,
        message: "is a symlink to a directory, which is not followed: refused",
      });
    }
  }
  return false;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The real path of `rel`, or null with an issue when it resolves outside the repository. */
async function insideRoot(root: string, rel: string, issues: InputIssue[]): Promise<string | null> {
  const resolved = await resolveInside(root, rel);
  if (resolved.ok) return resolved.real;
  issues.push({ file: rel, message: problemMessage(resolved.problem) });
  return null;
}

/** Entries were listed, so a path that does not resolve is a dangling symlink. */
function problemMessage(problem: FileProblem): string {
  return problem.kind === "missing"
    ? "is a symlink to a path that does not exist"
    : problem.message;
}

async function readOne(
  root: string,
  rel: string,
  issues: InputIssue[],
): Promise<DesiredFile | null> {
  const read = await readRepoText(root, rel, { maxBytes: MAX_CONFIG_FILE_BYTES });
  if (read.ok) return { path: rel, text: read.text };
  const { line, col } = read.problem;
  issues.push({
    file: rel,
    ...(line !== undefined ? { line } : {}),
    ...(col !== undefined ? { col } : {}),
    message: problemMessage(read.problem),
  });
  return null;
}
