/**
 * The per-repository git cache: a bare repository under the cache dir that
 * mirrors the remote's branches and tags, and the ref → commit rules.
 * Callers hold the cache lock around everything here.
 */
import { access, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SnapgateError } from "../core/errors.js";
import { type CommitLookup, type Git, gitFor, sourceFailure } from "./git.js";

export interface CacheRepo {
  /** the location git fetches from (absolute path or URL, may hold credentials) */
  url: string;
  /** the location as shown to users: credentials removed */
  display: string;
  redact: (text: string) => string;
  gitDir: string;
  git: Git;
}

const READY_MARKER = "snapgate-cache-ready";
const MIRROR_REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
const HEX_SHA = /^[0-9a-f]{4,64}$/i;
const FULL_SHA = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;

/** Opens (or makes) the cache entry `key` under `cacheDir`, which the caller has created and locked. */
export async function openCacheRepo(
  cacheDir: string,
  key: string,
  location: Omit<CacheRepo, "gitDir" | "git">,
): Promise<CacheRepo> {
  const gitDir = join(cacheDir, `${key}.git`);
  const repo: CacheRepo = { ...location, gitDir, git: gitFor(gitDir, cacheDir) };
  // The marker is written last: a cache without it is missing or was left half-made by a crash.
  const ready = join(gitDir, READY_MARKER);
  if (!(await exists(ready))) {
    await rm(gitDir, { recursive: true, force: true });
    try {
      await repo.git.text(["init", "--bare", "--quiet"]);
    } catch (err) {
      throw sourceFailure(`cannot create the git cache at ${gitDir}`, err, repo.redact);
    }
    await writeFile(join(gitDir, "description"), `snapgate cache of ${location.display}\n`);
    await writeFile(ready, "");
  }
  return repo;
}

function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Mirrors every branch and tag of the remote (pruning deleted ones). */
export async function fetchAll(repo: CacheRepo): Promise<void> {
  try {
    await repo.git.text([
      "fetch",
      "--prune",
      "--no-tags",
      "--no-recurse-submodules",
      "--no-write-fetch-head",
      "--progress",
      // Always print something: simple-git waits an extra 50 ms after a process that printed nothing.
      "--verbose",
      "--",
      repo.url,
      ...MIRROR_REFSPECS,
    ]);
  } catch (err) {
    throw sourceFailure(`cannot fetch ${repo.display}`, err, repo.redact);
  }
}

/** The branch the remote's HEAD points at, and its commit. */
export async function remoteDefaultBranch(
  repo: CacheRepo,
): Promise<{ branch: string; commit: string }> {
  let out: string;
  try {
    out = await repo.git.text(["ls-remote", "--symref", "--", repo.url, "HEAD"]);
  } catch (err) {
    throw sourceFailure(`cannot read the default branch of ${repo.display}`, err, repo.redact);
  }
  const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out)?.[1];
  const commit = /^([0-9a-f]{40,64})\tHEAD$/m.exec(out)?.[1];
  if (!symref || !commit) {
    throw new SnapgateError(
      "SourceFailed",
      `${repo.display} has no default branch (an empty repository, or HEAD is detached); pass --ref`,
    );
  }
  return { branch: symref, commit };
}

/** A commit in the cache: its sha and raw object (for author, date and message). */
export interface CachedCommit {
  sha: string;
  raw: Buffer;
}

/**
 * ref → commit in the cache, or undefined when nothing matches. A name that
 * is both a branch and a tag is refused rather than guessed.
 */
export async function resolveInCache(
  repo: CacheRepo,
  ref: string,
): Promise<CachedCommit | undefined> {
  if (ref.startsWith("refs/")) return commitOf(repo, ref);
  const sha = HEX_SHA.test(ref) ? ref.toLowerCase() : undefined;
  // One git process answers all three questions.
  const names = [`refs/heads/${ref}`, `refs/tags/${ref}`, ...(sha ? [sha] : [])];
  const found = await repo.git.commits(names);
  const pick = (name: string) => foundCommit(repo, name, found.get(name));
  const [branch, tag] = [pick(`refs/heads/${ref}`), pick(`refs/tags/${ref}`)];
  if (branch && tag && branch.sha !== tag.sha) {
    throw new SnapgateError(
      "SourceFailed",
      `ref "${ref}" is both a branch and a tag in ${repo.display}; use refs/heads/${ref} or refs/tags/${ref}`,
    );
  }
  if (branch ?? tag) return branch ?? tag;
  return sha ? pick(sha) : undefined;
}

/**
 * Fetches a full commit sha the mirror refspecs did not bring (e.g. a PR head);
 * servers that refuse unadvertised objects make this a no-op.
 */
export async function fetchCommitIfFullSha(repo: CacheRepo, ref: string): Promise<void> {
  if (!FULL_SHA.test(ref)) return;
  await repo.git
    .text([
      "fetch",
      "--no-tags",
      "--no-recurse-submodules",
      "--no-write-fetch-head",
      "--",
      repo.url,
      ref,
    ])
    .catch(() => undefined);
}

async function commitOf(repo: CacheRepo, name: string): Promise<CachedCommit | undefined> {
  return foundCommit(repo, name, (await repo.git.commits([name])).get(name));
}

function foundCommit(
  repo: CacheRepo,
  name: string,
  lookup: CommitLookup | undefined,
): CachedCommit | undefined {
  if (lookup?.found) return { sha: lookup.sha, raw: lookup.raw };
  if (lookup?.why === "ambiguous") {
    throw new SnapgateError(
      "SourceFailed",
      `ref "${name}" is an ambiguous short sha in ${repo.display}`,
    );
  }
  return undefined;
}
