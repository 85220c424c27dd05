import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { checkoutSource, resolveRef, type SourceCheckout } from "../../src/source/index.js";
import {
  commitFiles,
  git,
  makeRepo,
  RECONCILER_YAML,
  removeDir,
  snapshotSet,
  tempDir,
} from "./git-fixtures.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

function fresh(): { repo: string; cacheDir: string } {
  const repo = makeRepo(
    { "snapgate.yaml": RECONCILER_YAML, "snapshots/web.yaml": snapshotSet("web", ["web-1"]) },
    { date: "2026-11-01T10:00:00+02:00" },
  );
  const cacheDir = tempDir("cache");
  cleanup.push(
    () => removeDir(repo),
    () => removeDir(cacheDir),
  );
  return { repo, cacheDir };
}

async function checkout(opts: Parameters<typeof checkoutSource>[0]): Promise<SourceCheckout> {
  const result = await checkoutSource(opts);
  cleanup.push(() => result.release());
  return result;
}

function read(dir: string, path: string): string {
  return readFileSync(join(dir, path), "utf8");
}

async function sourceError(promise: Promise<unknown>): Promise<SnapgateError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapgateError);
  expect((err as SnapgateError).code).toBe("SourceFailed");
  return err as SnapgateError;
}

describe("checkoutSource: where the repository is", () => {
  it("checks out a local working repo by relative path, normalised to absolute", async () => {
    const { repo, cacheDir } = fresh();
    const head = git(repo, ["rev-parse", "HEAD"]);
    const result = await checkout({ repo: relative(process.cwd(), repo), cacheDir });
    expect(result.repo).toBe(repo);
    expect(result.commit).toBe(head);
    expect(read(result.dir, "snapshots/web.yaml")).toBe(snapshotSet("web", ["web-1"]));
  });

  it("checks out a file:// URL and a bare repository", async () => {
    const { repo, cacheDir } = fresh();
    const bare = tempDir("bare");
    cleanup.push(() => removeDir(bare));
    git(bare, ["clone", "--quiet", "--bare", repo, "r.git"]);
    const viaUrl = await checkout({ repo: `file://${repo}`, cacheDir });
    const viaBare = await checkout({ repo: join(bare, "r.git"), cacheDir });
    expect(viaUrl.repo).toBe(`file://${repo}`);
    expect(viaBare.commit).toBe(viaUrl.commit);
    expect(read(viaBare.dir, "snapgate.yaml")).toBe(RECONCILER_YAML);
  });

  it("records the commit's author, committer date and full message", async () => {
    const { repo, cacheDir } = fresh();
    const sha = commitFiles(
      repo,
      { "snapshots/db.yaml": snapshotSet("db", ["db-1"]) },
      "Add db snapshots\n\nKeeps db-1 because of the audit.\nSecond line.",
      "2026-11-20T08:30:15-05:00",
    );
    const result = await checkout({ repo, cacheDir });
    expect(result).toMatchObject({
      commit: sha,
      ref: "main",
      author: "Ada Lovelace <ada@example.com>",
      committedAt: "2026-11-20T08:30:15-05:00",
      message: "Add db snapshots\n\nKeeps db-1 because of the audit.\nSecond line.",
      base: null,
    });
  });
});

describe("checkoutSource: which commit", () => {
  it("defaults to the remote's default branch, whatever it is called", async () => {
    const repo = makeRepo({ "snapgate.yaml": "trunk\n" }, { branch: "trunk" });
    const cacheDir = tempDir("cache");
    cleanup.push(
      () => removeDir(repo),
      () => removeDir(cacheDir),
    );
    git(repo, ["branch", "other"]);
    const result = await checkout({ repo, cacheDir });
    expect(result.ref).toBe("trunk");
    expect(result.commit).toBe(git(repo, ["rev-parse", "trunk"]));
  });

  it("resolves a branch, an annotated and a lightweight tag, a short and a full sha", async () => {
    const { repo, cacheDir } = fresh();
    const first = git(repo, ["rev-parse", "HEAD"]);
    git(repo, ["tag", "-a", "v1", "-m", "release 1"]);
    git(repo, ["tag", "light"]);
    git(repo, ["checkout", "--quiet", "-b", "feature"]);
    const second = commitFiles(
      repo,
      { "snapshots/web.yaml": snapshotSet("web", ["web-2"]) },
      "feature",
    );
    git(repo, ["checkout", "--quiet", "main"]);

    const byBranch = await checkout({ repo, cacheDir, ref: "feature" });
    const byTag = await checkout({ repo, cacheDir, ref: "v1" });
    const byLight = await checkout({ repo, cacheDir, ref: "light" });
    const byShort = await checkout({ repo, cacheDir, ref: second.slice(0, 8) });
    const byFull = await checkout({ repo, cacheDir, ref: first });
    const byQualified = await checkout({ repo, cacheDir, ref: "refs/heads/feature" });

    expect(byBranch.commit).toBe(second);
    expect(read(byBranch.dir, "snapshots/web.yaml")).toContain("web-2");
    expect(byTag.commit).toBe(first);
    expect(byLight.commit).toBe(first);
    expect(byShort.commit).toBe(second);
    expect(byShort.ref).toBe(second.slice(0, 8));
    expect(byFull.commit).toBe(first);
    expect(read(byFull.dir, "snapshots/web.yaml")).toContain("web-1");
    expect(byQualified.commit).toBe(second);
  });

  it("fails with SourceFailed naming a ref that does not exist", async () => {
    const { repo, cacheDir } = fresh();
    const err = await sourceError(checkoutSource({ repo, cacheDir, ref: "no-such-branch" }));
    expect(err.message).toContain('"no-such-branch"');
    expect(err.message).toContain(repo);
  });

  it("refuses revision expressions and option-like refs", async () => {
    const { repo, cacheDir } = fresh();
    for (const ref of ["main~1", "HEAD^", "--upload-pack=touch", "a..b", "main@{1}"]) {
      const err = await sourceError(checkoutSource({ repo, cacheDir, ref }));
      expect(err.message).toContain(`ref "${ref}"`);
    }
  });

  it("refuses a name that is both a branch and a tag on different commits", async () => {
    const { repo, cacheDir } = fresh();
    git(repo, ["tag", "release"]);
    commitFiles(repo, { "snapgate.yaml": `${RECONCILER_YAML}# 2\n` }, "second");
    git(repo, ["branch", "release"]);
    const err = await sourceError(checkoutSource({ repo, cacheDir, ref: "release" }));
    expect(err.message).toMatch(/both a branch and a tag.*refs\/heads\/release/);
    const qualified = await checkout({ repo, cacheDir, ref: "refs/tags/release" });
    expect(read(qualified.dir, "snapgate.yaml")).toBe(RECONCILER_YAML);
  });

  it("fails on a repository that does not exist", async () => {
    const cacheDir = tempDir("cache");
    cleanup.push(() => removeDir(cacheDir));
    const missing = join(cacheDir, "nowhere");
    const err = await sourceError(checkoutSource({ repo: missing, cacheDir, ref: "main" }));
    expect(err.message).toContain(`cannot fetch ${missing}`);
  });
});

describe("checkoutSource: PR mode", () => {
  it("checks out head and base, each directory holding its own commit's files", async () => {
    const { repo, cacheDir } = fresh();
    const mainSha = git(repo, ["rev-parse", "main"]);
    git(repo, ["checkout", "--quiet", "-b", "feature/drop-web-1"]);
    const featureSha = commitFiles(
      repo,
      {
        "snapshots/web.yaml": snapshotSet("web", ["web-2"]),
        "snapshots/new.yaml": snapshotSet("new", ["n-1"]),
      },
      "drop web-1",
    );
    const result = await checkout({ repo, cacheDir, ref: "feature/drop-web-1", base: "main" });
    expect(result.commit).toBe(featureSha);
    expect(result.base).toEqual({ ref: "main", commit: mainSha, dir: expect.any(String) });
    const baseDir = result.base?.dir ?? "";
    expect(baseDir).not.toBe(result.dir);
    expect(read(result.dir, "snapshots/web.yaml")).toContain("web-2");
    expect(read(baseDir, "snapshots/web.yaml")).toContain("web-1");
    expect(readdirSync(join(result.dir, "snapshots")).sort()).toEqual(["new.yaml", "web.yaml"]);
    expect(readdirSync(join(baseDir, "snapshots"))).toEqual(["web.yaml"]);

    await result.release();
    expect(existsSync(result.dir)).toBe(false);
    expect(existsSync(baseDir)).toBe(false);
    await result.release(); // idempotent
  });
});

describe("checkoutSource: only what snapgate reads", () => {
  it("writes snapgate.yaml, snapshots/, policies/ and iam/ and nothing else", async () => {
    const { repo, cacheDir } = fresh();
    commitFiles(
      repo,
      {
        "policies/extra.rego": "package snapgate.deletion\n",
        "iam/reconciler.json": "{}\n",
        "README.md": "# readme\n",
        "src/app.js": "console.log(1)\n",
        "snapshots-old/x.yaml": "x\n",
      },
      "more files",
    );
    const result = await checkout({ repo, cacheDir });
    expect(readdirSync(result.dir).sort()).toEqual([
      "iam",
      "policies",
      "snapgate.yaml",
      "snapshots",
    ]);
    expect(read(result.dir, "policies/extra.rego")).toBe("package snapgate.deletion\n");
  });

  it("writes snapgate.yml and the nested snapshots/ tree, and names every other file as unread", async () => {
    const { repo, cacheDir } = fresh();
    commitFiles(
      repo,
      {
        "snapgate.yml": RECONCILER_YAML,
        "snapshots/prod/db.yaml": snapshotSet("db", ["db-1"]),
        "snapshot/typo.yaml": "x\n",
        "Snapgate.yaml": "x\n",
        "README.md": "# readme\n",
      },
      "layout",
    );
    const result = await checkout({ repo, cacheDir });
    expect(read(result.dir, "snapgate.yml")).toBe(RECONCILER_YAML);
    expect(read(result.dir, "snapshots/prod/db.yaml")).toBe(snapshotSet("db", ["db-1"]));
    expect([...result.unreadFiles].sort()).toEqual([
      "README.md",
      "Snapgate.yaml",
      "snapshot/typo.yaml",
    ]);
  });

  it("writes binary files byte for byte", async () => {
    const { repo, cacheDir } = fresh();
    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13, 10, 0]);
    commitFiles(repo, { "policies/bundle.tar.gz": bytes }, "bundle");
    const result = await checkout({ repo, cacheDir });
    expect(readFileSync(join(result.dir, "policies/bundle.tar.gz")).equals(bytes)).toBe(true);
  });
});

describe("the cache", () => {
  it("a later checkout fetches new commits into the reused cache entry", async () => {
    const { repo, cacheDir } = fresh();
    const before = await checkout({ repo, cacheDir, ref: "main" });
    const entries = readdirSync(cacheDir).filter((e) => e.endsWith(".git"));
    const next = commitFiles(
      repo,
      { "snapshots/web.yaml": snapshotSet("web", ["web-9"]) },
      "web-9",
    );
    const after = await checkout({ repo, cacheDir, ref: "main" });
    expect(after.commit).toBe(next);
    expect(after.commit).not.toBe(before.commit);
    expect(read(after.dir, "snapshots/web.yaml")).toContain("web-9");
    expect(readdirSync(cacheDir).filter((e) => e.endsWith(".git"))).toEqual(entries);
    expect(entries).toHaveLength(1);
  });

  it("a cache entry left half-made (no ready marker) is rebuilt, not trusted", async () => {
    const { repo, cacheDir } = fresh();
    await checkout({ repo, cacheDir, ref: "main" });
    const [entry] = readdirSync(cacheDir).filter((e) => e.endsWith(".git"));
    const gitDir = join(cacheDir, String(entry));
    // A crash between `git init` and the marker: the directory exists, holds junk, has no marker.
    rmSync(join(gitDir, "snapgate-cache-ready"));
    writeFileSync(join(gitDir, "HEAD"), "garbage\n");
    const again = await checkout({ repo, cacheDir, ref: "main" });
    expect(again.commit).toBe(git(repo, ["rev-parse", "HEAD"]));
    expect(existsSync(join(gitDir, "snapgate-cache-ready"))).toBe(true);
  });

  it("resolveRef re-fetches: it follows a branch that moved and returns a sha that exists", async () => {
    const { repo, cacheDir } = fresh();
    const bare = tempDir("remote");
    cleanup.push(() => removeDir(bare));
    const remote = join(bare, "remote.git");
    git(bare, ["clone", "--quiet", "--bare", repo, remote]);
    const first = await resolveRef({ repo: `file://${remote}`, cacheDir, ref: "main" });
    expect(first).toBe(git(repo, ["rev-parse", "HEAD"]));

    const pushed = commitFiles(
      repo,
      { "snapshots/web.yaml": snapshotSet("web", ["web-3"]) },
      "move",
    );
    git(repo, ["push", "--quiet", remote, "main"]);
    expect(await resolveRef({ repo: `file://${remote}`, cacheDir, ref: "main" })).toBe(pushed);
    expect(await resolveRef({ repo: `file://${remote}`, cacheDir, ref: first })).toBe(first);
    expect(await resolveRef({ repo: `file://${remote}`, cacheDir, ref: first.slice(0, 10) })).toBe(
      first,
    );
    await sourceError(resolveRef({ repo: `file://${remote}`, cacheDir, ref: "f".repeat(40) }));
  });

  it("forgets branches deleted upstream", async () => {
    const { repo, cacheDir } = fresh();
    git(repo, ["branch", "short-lived"]);
    await resolveRef({ repo, cacheDir, ref: "short-lived" });
    git(repo, ["branch", "-D", "short-lived"]);
    const err = await sourceError(resolveRef({ repo, cacheDir, ref: "short-lived" }));
    expect(err.message).toContain('"short-lived" not found');
  });

  it("two concurrent checkouts of the same repository both succeed", async () => {
    const { repo, cacheDir } = fresh();
    const [a, b] = await Promise.all([
      checkout({ repo, cacheDir, ref: "main" }),
      checkout({ repo, cacheDir }),
    ]);
    expect(a.commit).toBe(b.commit);
    expect(a.dir).not.toBe(b.dir);
    expect(read(a.dir, "snapgate.yaml")).toBe(RECONCILER_YAML);
    expect(read(b.dir, "snapgate.yaml")).toBe(RECONCILER_YAML);
    expect(readdirSync(cacheDir).filter((e) => e.endsWith(".lock"))).toEqual([]);
  });
});
