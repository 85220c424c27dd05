/**
 * Writes the wanted files of one commit into a directory and returns the paths
 * of the commit's other files. Blobs are read with
 * `git cat-file blob`, which never applies .gitattributes filters, eol
 * conversion or smudge commands: the bytes on disk are the bytes in git.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { formatIssue, SnapgateError } from "../core/errors.js";
import { mapBounded } from "../core/map-bounded.js";
import type { Git } from "./git.js";
import { parseLsTree, planFiles, type TreeLimits } from "./tree.js";

/** Files written (or read) at once: enough to overlap I/O, few enough for any fd limit. */
const FILES_AT_ONCE = 16;

export async function materialiseCommit(
  git: Git,
  commit: string,
  dir: string,
  limits: TreeLimits,
  describe: string,
): Promise<{ notWritten: string[] }> {
  const listing = await git.text(["ls-tree", "-r", "-l", "-z", "--full-tree", commit]);
  const readLink = async (object: string) => (await git.bytes(["blob", object])).toString("utf8");
  const { files, issues, notWritten } = await planFiles(parseLsTree(listing), limits, readLink);
  if (issues.length > 0) {
    const first = issues[0];
    const message =
      issues.length === 1 && first
        ? formatIssue(first)
        : `${issues.length} problems in ${describe}`;
    throw new SnapgateError("SourceFailed", message, issues.length === 1 ? [] : issues);
  }
  const contents = await git.objects(files.map((f) => f.object));
  const writes = files.map((file) => {
    const target = join(dir, ...file.path.split("/"));
    const rel = relative(dir, target);
    if (rel.startsWith(`..${sep}`) || rel === "..") {
      throw new SnapgateError("SourceFailed", `${file.path}: path leaves the checkout directory`);
    }
    const content = contents.get(file.object);
    if (content === undefined)
      throw new SnapgateError(
        "SourceFailed",
        `${file.path}: object ${file.object} is missing from the git cache`,
      );
    return { target, content };
  });
  // Directories first, then the files, a bounded number at a time (a hostile tree may hold
  // thousands of empty files); a failure waits for the writes in flight before it is reported.
  for (const parent of new Set(writes.map((w) => dirname(w.target)))) {
    await mkdir(parent, { recursive: true });
  }
  // "wx": two tree paths that collide on a case-insensitive disk fail instead of overwriting.
  await mapBounded(writes, FILES_AT_ONCE, (w) =>
    writeFile(w.target, w.content, { flag: "wx", mode: 0o644 }),
  );
  return { notWritten };
}
