/**
 * The desired state's source: fetch the repository into the cache, pin the ref
 * (and PR base) to exact commits, and write those commits' files into fresh
 * temp directories. Nothing from the repository is ever executed.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SnapgateError } from "../core/errors.js";
import { withFileLock } from "./cache-lock.js";
import {
  type CacheRepo,
  fetchAll,
  fetchCommitIfFullSha,
  openCacheRepo,
  remoteDefaultBranch,
  resolveInCache,
} from "./cache-repo.js";
import { parseCommitObject } from "./commit-info.js";
import { sourceFailure } from "./git.js";
import { materialiseCommit } from "./materialise.js";
import { cacheKeyFor, normaliseRepo, redactorFor, redactUrl } from "./repo-url.js";
import type { TreeLimits } from "./tree.js";

/**
 * What snapgate reads from a desired-state repository; nothing else is written
 * out. Both reconciler spellings are written so the reader can accept either
 * and refuse both together.
 */
export const MATERIALISED_PATHS: readonly string[] = [
  "snapgate.yaml",
  "snapgate.yml",
  "snapshots",
  "policies",
  "iam",
];
/** Largest single file materialised into a checkout (any of MATERIALISED_PATHS). */
export const MAX_CHECKOUT_FILE_BYTES = 1024 * 1024;
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;
const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

export interface SourceOptions {
  /** a local path (working or bare repo) or a git URL (file://, ssh://, https://, git@host:path) */
  repo: string;
  cacheDir: string;
  /** how long to wait for another process using the same cache entry (default 10 min) */
  lockTimeoutMs?: number;
}

export interface CheckoutOptions extends SourceOptions {
  /** branch, tag, `refs/…` name, or full/short sha; default: the remote's default branch */
  ref?: string;
  /** PR mode: the base to compare with, resolved like `ref` */
  base?: string;
  /** top-level paths to write out (default MATERIALISED_PATHS) */
  paths?: readonly string[];
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

export interface SourceCheckout {
  /** the normalised location (absolute path or URL as given — may hold credentials; show redactUrl(repo)) */
  repo: string;
  ref: string;
  commit: string;
  /** `Name <email>` */
  author: string;
  /** committer date, ISO 8601 */
  committedAt: string;
  message: string;
  /** a temp directory holding exactly the commit's wanted files */
  dir: string;
  /** the commit's other files (repo-relative paths, not written out): for layout warnings */
  unreadFiles: readonly string[];
  base: { ref: string; commit: string; dir: string } | null;
  /** removes the temp directories; safe to call more than once */
  release(): Promise<void>;
}

export async function checkoutSource(opts: CheckoutOptions): Promise<SourceCheckout> {
  const url = normaliseRepo(opts.repo);
  if (opts.ref !== undefined) validateRef(opts.ref, url);
  if (opts.base !== undefined) validateRef(opts.base, url);
  const limits: TreeLimits = {
    paths: opts.paths ?? MATERIALISED_PATHS,
    maxFileBytes: opts.maxFileBytes ?? MAX_CHECKOUT_FILE_BYTES,
    maxTotalBytes: opts.maxTotalBytes ?? MAX_TOTAL_BYTES,
  };

  return withCacheRepo(url, opts, async (repo) => {
    const defaults = await fetchWithDefaultBranch(
      repo,
      isDefaultRef(opts.ref) || opts.base === "HEAD",
    );
    const head = await pinRef(repo, opts.ref, defaults);
    const base = opts.base === undefined ? null : await pinRef(repo, opts.base, defaults);
    const dirs: string[] = [];
    const release = () =>
      Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))).then(() => undefined);
    try {
      const headTree = await writeCommit(repo, head, limits, dirs);
      const baseTree = base ? await writeCommit(repo, base, limits, dirs) : undefined;
      return {
        repo: url,
        ref: head.ref,
        commit: head.commit,
        ...parseCommitObject(head.raw.toString("utf8")),
        dir: headTree.dir,
        unreadFiles: headTree.notWritten,
        base: base && baseTree ? { ref: base.ref, commit: base.commit, dir: baseTree.dir } : null,
        release,
      };
    } catch (err) {
      await release();
      throw err;
    }
  });
}

/**
 * Fetches, and — when a ref is left to the remote's default — asks the remote
 * for its default branch at the same time (two round trips in parallel). A
 * failed fetch is reported first: it explains a failed ls-remote too.
 */
async function fetchWithDefaultBranch(
  repo: CacheRepo,
  needsDefault: boolean,
): Promise<DefaultBranch | undefined> {
  const [fetched, branch] = await Promise.allSettled([
    fetchAll(repo),
    needsDefault ? remoteDefaultBranch(repo) : Promise.resolve(undefined),
  ]);
  if (fetched.status === "rejected") throw fetched.reason;
  if (branch.status === "rejected") throw branch.reason;
  return branch.value;
}

/** Re-fetches and returns the commit `ref` points at now (a sha ref: itself, if it exists). */
export async function resolveRef(opts: SourceOptions & { ref: string }): Promise<string> {
  const url = normaliseRepo(opts.repo);
  validateRef(opts.ref, url);
  return withCacheRepo(url, opts, async (repo) => {
    const defaults = await fetchWithDefaultBranch(repo, isDefaultRef(opts.ref));
    return (await pinRef(repo, opts.ref, defaults)).commit;
  });
}

/**
 * Re-fetches and returns the branches (`refs/heads/*` of the remote) whose
 * history contains `commit`; empty when none does — an unmerged commit one
 * branch no longer holds (force-pushed away), or one only a tag or a bare sha
 * reaches. The commit must already be in the cache (a checkout of it put it there).
 */
export async function branchesContaining(
  opts: SourceOptions & { commit: string },
): Promise<string[]> {
  const url = normaliseRepo(opts.repo);
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(opts.commit)) {
    throw new SnapgateError("SourceFailed", `"${opts.commit}" is not a full commit sha`);
  }
  return withCacheRepo(url, opts, async (repo) => {
    await fetchAll(repo);
    let out: string;
    try {
      out = await repo.git.text([
        "for-each-ref",
        "--format=%(refname)",
        `--contains=${opts.commit}`,
        "refs/heads/",
      ]);
    } catch (err) {
      throw sourceFailure(
        `cannot tell which branches of ${repo.display} contain ${opts.commit.slice(0, 12)}`,
        err,
        repo.redact,
      );
    }
    return out
      .split("\n")
      .filter((line) => line.startsWith("refs/heads/"))
      .map((line) => line.slice("refs/heads/".length));
  });
}

export async function withCacheRepo<T>(
  url: string,
  opts: SourceOptions,
  fn: (repo: CacheRepo) => Promise<T>,
): Promise<T> {
  const cacheDir = resolve(opts.cacheDir);
  const key = cacheKeyFor(url);
  const display = redactUrl(url);
  await mkdir(cacheDir, { recursive: true, mode: 0o700 });
  return withFileLock(
    join(cacheDir, `${key}.lock`),
    {
      timeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      what: `the git cache of ${display}`,
    },
    async () => fn(await openCacheRepo(cacheDir, key, { url, display, redact: redactorFor(url) })),
  );
}

interface PinnedRef {
  ref: string;
  commit: string;
  /** the raw commit object */
  raw: Buffer;
}

/** No ref, or HEAD: the remote's default branch. */
function isDefaultRef(ref: string | undefined): ref is undefined | "HEAD" {
  return ref === undefined || ref === "HEAD";
}

type DefaultBranch = Awaited<ReturnType<typeof remoteDefaultBranch>>;

async function pinRef(
  repo: CacheRepo,
  ref: string | undefined,
  defaults: DefaultBranch | undefined,
): Promise<PinnedRef> {
  if (isDefaultRef(ref)) {
    const { branch } = defaults ?? (await remoteDefaultBranch(repo));
    const found = await resolveInCache(repo, `refs/heads/${branch}`);
    if (!found) throw notFound(repo, branch);
    return { ref: branch, commit: found.sha, raw: found.raw };
  }
  let found = await resolveInCache(repo, ref);
  if (!found) {
    await fetchCommitIfFullSha(repo, ref);
    found = await resolveInCache(repo, ref);
  }
  if (!found) throw notFound(repo, ref);
  return { ref, commit: found.sha, raw: found.raw };
}

async function writeCommit(
  repo: CacheRepo,
  pinned: PinnedRef,
  limits: TreeLimits,
  dirs: string[],
): Promise<{ dir: string; notWritten: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "snapgate-src-"));
  dirs.push(dir);
  const describe = `${repo.display} at ${pinned.ref} (${pinned.commit.slice(0, 12)})`;
  const { notWritten } = await materialiseCommit(repo.git, pinned.commit, dir, limits, describe);
  return { dir, notWritten };
}

function notFound(repo: CacheRepo, ref: string): SnapgateError {
  return new SnapgateError(
    "SourceFailed",
    `ref "${ref}" not found in ${repo.display} (not a branch, tag or commit)`,
  );
}

/** git's ref-name rules minus revision syntax: nothing git could read as an expression or an option. */
const REF_RULES: ReadonlyArray<[RegExp, string]> = [
  [/^$/, "is empty"],
  [/^-/, 'must not start with "-"'],
  [/[\u0000-\u0020\u007f]/, "contains a space or a control character"],
  [/[~^:?*[\\]/, "contains one of ~^:?*[\\"],
  [/\.\.|@\{|\/\//, 'contains "..", "@{" or "//"'],
  [/^\/|\/$|\.$|\.lock$/, "is not a valid ref name"],
];

function validateRef(ref: string, url: string): void {
  const broken = REF_RULES.find(([pattern]) => pattern.test(ref));
  if (broken) {
    throw new SnapgateError(
      "SourceFailed",
      `ref "${ref}" ${broken[1]} (repository ${redactUrl(url)})`,
    );
  }
}
