/**
 * Which files of a commit's tree we write out, decided without touching disk:
 * only the paths snapgate reads, no submodules, no symlink leaving the
 * repository, no file over the size limit. Every problem is reported at once.
 */
import { posix } from "node:path";
import type { InputIssue } from "../core/errors.js";

export interface TreeEntry {
  mode: string;
  type: "blob" | "tree" | "commit" | string;
  object: string;
  /** bytes, for blobs */
  size: number;
  path: string;
}

export interface TreeLimits {
  /** top-level files and directories to materialise, e.g. `snapgate.yaml`, `snapshots` */
  paths: readonly string[];
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** One file to write: `path` gets the content of blob `object` (a symlink's resolved target). */
export interface PlannedFile {
  path: string;
  object: string;
  size: number;
}

const SYMLINK_MODE = "120000";
const GITLINK_MODE = "160000";
const MAX_SYMLINK_HOPS = 20;

/** Parses `git ls-tree -r -l -z` output. */
export function parseLsTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split("\0")) {
    if (record === "") continue;
    const tab = record.indexOf("\t");
    const [mode = "", type = "", object = "", size = "-"] = record.slice(0, tab).split(/ +/);
    entries.push({
      mode,
      type,
      object,
      size: size === "-" ? 0 : Number(size),
      path: record.slice(tab + 1),
    });
  }
  return entries;
}

export function isWanted(path: string, wanted: readonly string[]): boolean {
  return wanted.some((top) => path === top || path.startsWith(`${top}/`));
}

/**
 * Plans the files to write. `readLink` returns a symlink blob's target text.
 * Symlinks inside the repository are materialised as their target file's
 * content; to a directory or to nothing, they are refused. `notWritten` lists
 * the other files of the tree (paths only), so callers can warn about files
 * they would otherwise never see.
 */
export async function planFiles(
  entries: readonly TreeEntry[],
  limits: TreeLimits,
  readLink: (object: string) => Promise<string>,
): Promise<{ files: PlannedFile[]; issues: InputIssue[]; notWritten: string[] }> {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const files: PlannedFile[] = [];
  const issues: InputIssue[] = [];
  const notWritten: string[] = [];
  const problem = (file: string, message: string) => issues.push({ file, message });

  for (const entry of entries) {
    if (!isWanted(entry.path, limits.paths)) {
      if (entry.type === "blob") notWritten.push(entry.path);
      continue;
    }
    const unsafe = unsafePathReason(entry.path);
    if (unsafe) {
      problem(entry.path, unsafe);
      continue;
    }
    if (entry.mode === GITLINK_MODE || entry.type === "commit") {
      problem(entry.path, "submodules are not supported");
      continue;
    }
    if (entry.type !== "blob") continue;
    const target =
      entry.mode === SYMLINK_MODE ? await followSymlink(entry, byPath, readLink) : { entry };
    if ("error" in target) {
      problem(entry.path, target.error);
      continue;
    }
    if (target.entry.size > limits.maxFileBytes) {
      const via = target.entry === entry ? "" : ` (via symlink to ${target.entry.path})`;
      problem(
        entry.path,
        `file is ${target.entry.size} bytes${via}, over the ${limits.maxFileBytes}-byte limit`,
      );
      continue;
    }
    files.push({ path: entry.path, object: target.entry.object, size: target.entry.size });
  }

  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (issues.length === 0 && total > limits.maxTotalBytes) {
    problem(
      limits.paths.join(", "),
      `files total ${total} bytes, over the ${limits.maxTotalBytes}-byte limit`,
    );
  }
  return { files, issues, notWritten };
}

async function followSymlink(
  link: TreeEntry,
  byPath: ReadonlyMap<string, TreeEntry>,
  readLink: (object: string) => Promise<string>,
): Promise<{ entry: TreeEntry } | { error: string }> {
  let current = link;
  for (let hop = 0; hop < MAX_SYMLINK_HOPS; hop++) {
    const target = await readLink(current.object);
    const resolved = resolveInside(current.path, target);
    if (resolved === undefined) return { error: "symlink points outside the repository" };
    const next = byPath.get(resolved);
    if (!next) {
      const isDir = [...byPath.keys()].some((p) => p.startsWith(`${resolved}/`));
      return {
        error: isDir
          ? `symlink to a directory (${resolved}) is not supported`
          : `symlink target ${resolved} does not exist in the repository`,
      };
    }
    if (next.mode === GITLINK_MODE || next.type !== "blob")
      return { error: `symlink target ${resolved} is not a file` };
    if (next.mode !== SYMLINK_MODE) return { entry: next };
    current = next;
  }
  return { error: `more than ${MAX_SYMLINK_HOPS} levels of symlinks` };
}

/** The repo-relative path a symlink at `linkPath` points to, or undefined when it leaves the repo. */
export function resolveInside(linkPath: string, target: string): string | undefined {
  if (target === "" || target.startsWith("/") || /^[a-z]:/i.test(target) || target.includes("\\"))
    return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (joined === ".." || joined.startsWith("../") || joined === "." || joined.startsWith("/"))
    return undefined;
  return joined;
}

/** Tree paths come from the repository: refuse anything that could escape or alias `.git`. */
function unsafePathReason(path: string): string | undefined {
  for (const part of path.split("/")) {
    if (part === "" || part === "." || part === "..")
      return "path has an empty, '.' or '..' component";
    if (part.toLowerCase() === ".git") return "path has a .git component";
    if (part.includes("\\")) return "path contains a backslash";
  }
  return undefined;
}
