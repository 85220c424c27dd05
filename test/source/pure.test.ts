/** The pure parts of the source: locations, redaction, trees, commit objects, paths. */
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCommitObject } from "../../src/source/commit-info.js";
import { parseCatFileBatch, parseCommitBatch } from "../../src/source/git.js";
import {
  defaultCacheDir,
  defaultStateDir,
  isRemoteUrl,
  normaliseRepo,
  redactorFor,
  redactUrl,
} from "../../src/source/index.js";
import { cacheKeyFor } from "../../src/source/repo-url.js";
import { parseLsTree, planFiles, resolveInside, type TreeEntry } from "../../src/source/tree.js";

describe("repository locations", () => {
  it.each([
    ["https://github.com/org/repo.git", true],
    ["ssh://git@host:2222/org/repo.git", true],
    ["file:///srv/repo.git", true],
    ["git@github.com:org/repo.git", true],
    ["host:repo", true],
    ["/srv/repo", false],
    ["./repo", false],
    ["repo", false],
    ["./weird:name", false],
    ["C:\\repos\\x", false],
  ])("%s is remote: %s", (repo, remote) => {
    expect(isRemoteUrl(repo)).toBe(remote);
  });

  it("makes local paths absolute and keeps URLs as given", () => {
    expect(normaliseRepo("some/dir")).toBe(resolve("some/dir"));
    expect(normaliseRepo(" https://h/r.git ")).toBe("https://h/r.git");
    expect(normaliseRepo("git@h:r.git")).toBe("git@h:r.git");
  });

  it("refuses option-like, empty and control-character locations, redacted", () => {
    expect(() => normaliseRepo("--upload-pack=touch /tmp/x")).toThrow(/must not start with "-"/);
    expect(() => normaliseRepo("  ")).toThrow(/empty/);
    expect(() => normaliseRepo("ext::sh -c touch% /tmp/pwned")).toThrow(/ext:: and fd::/);
    expect(() => normaliseRepo("FD::17")).toThrow(/ext:: and fd::/);
    expect(() => normaliseRepo("https://u:pw123@h/r\n.git")).toThrow(/https:\/\/\*\*\*@h\/r/);
  });
});

describe("redaction", () => {
  it.each([
    ["https://user:token@host/r.git", "https://***@host/r.git"],
    ["https://ghp_abcdef@github.com/o/r", "https://***@github.com/o/r"],
    ["https://u:p@ss@host/r", "https://***@host/r"],
    ["ssh://git@host/r", "ssh://***@host/r"],
    ["git@github.com:o/r.git", "git@github.com:o/r.git"],
    ["https://host/path@v1", "https://host/path@v1"],
    [
      "fatal: 'https://a:b@h/x' and https://c:d@h/y",
      "fatal: 'https://***@h/x' and https://***@h/y",
    ],
    [
      "https://gitlab.example/o/r.git?private_token=glpat-abc123",
      "https://gitlab.example/o/r.git?private_token=***",
    ],
    ["https://h/r.git?ref=main&token=t0ps3cret", "https://h/r.git?ref=main&token=***"],
    [
      "https://h/r?access_token=x1&X-Amz-Signature=ff",
      "https://h/r?access_token=***&X-Amz-Signature=***",
    ],
    ["https://h/r?ref=main", "https://h/r?ref=main"],
  ])("%s → %s", (input, output) => {
    expect(redactUrl(input)).toBe(output);
  });

  it("removes the repository's password wherever git prints it, raw or decoded", () => {
    const redact = redactorFor("https://bot:s3cr%2Ft@host/r.git");
    expect(redact("auth failed for bot with s3cr/t and s3cr%2Ft")).toBe(
      "auth failed for bot with *** and ***",
    );
    // a short user name alone is not a secret and must not shred messages
    expect(redactorFor("ssh://git@host/r")("fatal: git says no")).toBe("fatal: git says no");
  });

  it("removes a query-string token wherever git prints it", () => {
    const redact = redactorFor("https://h/r.git?private_token=glpat-abc123");
    expect(
      redact("fatal: glpat-abc123 rejected for https://h/r.git?private_token=glpat-abc123"),
    ).toBe("fatal: *** rejected for https://h/r.git?private_token=***");
  });

  it("keys the cache by the location without credentials", () => {
    expect(cacheKeyFor("https://a:one@h/r.git")).toBe(cacheKeyFor("https://a:two@h/r.git"));
    expect(cacheKeyFor("https://h/r.git?private_token=one")).toBe(
      cacheKeyFor("https://h/r.git?private_token=two"),
    );
    expect(cacheKeyFor("https://h/r.git")).not.toBe(cacheKeyFor("https://h/other.git"));
  });
});

describe("default directories", () => {
  it("follows XDG_CACHE_HOME and SNAPGATE_STATE_DIR, else the home directory", () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: "/x/cache" })).toBe("/x/cache/snapgate/git");
    expect(defaultCacheDir({ XDG_CACHE_HOME: "relative" })).toMatch(/\.cache\/snapgate\/git$/);
    expect(defaultCacheDir({})).toMatch(/\.cache\/snapgate\/git$/);
    expect(defaultStateDir({ SNAPGATE_STATE_DIR: "/var/lib/sg" })).toBe("/var/lib/sg");
    expect(defaultStateDir({})).toMatch(join(".local", "state", "snapgate"));
  });
});

describe("trees", () => {
  const blob = (path: string, size = 10, mode = "100644"): TreeEntry => ({
    mode,
    type: "blob",
    object: `obj:${path}`,
    size,
    path,
  });
  const limits = { paths: ["snapgate.yaml", "snapshots"], maxFileBytes: 100, maxTotalBytes: 1000 };

  it("parses ls-tree -r -l -z output, including paths with spaces and tabs", () => {
    const out = [
      "100644 blob aaaa     12\tsnapshots/a b.yaml",
      "120000 blob bbbb      5\tsnapshots/l",
      "160000 commit cccc       -\tsub",
      "100644 blob dddd 3\tx\ty",
      "",
    ].join("\u0000");
    expect(parseLsTree(out)).toEqual([
      { mode: "100644", type: "blob", object: "aaaa", size: 12, path: "snapshots/a b.yaml" },
      { mode: "120000", type: "blob", object: "bbbb", size: 5, path: "snapshots/l" },
      { mode: "160000", type: "commit", object: "cccc", size: 0, path: "sub" },
      { mode: "100644", type: "blob", object: "dddd", size: 3, path: "x\ty" },
    ]);
  });

  it.each([
    ["snapshots/a.yaml", "b.yaml", "snapshots/b.yaml"],
    ["snapshots/a.yaml", "../shared/b.yaml", "shared/b.yaml"],
    ["snapshots/a.yaml", "./x/../b.yaml", "snapshots/b.yaml"],
    ["snapshots/a.yaml", "../../b.yaml", undefined],
    ["snapshots/a.yaml", "/etc/passwd", undefined],
    ["snapshots/a.yaml", "..", undefined],
    ["a.yaml", ".", undefined],
    ["snapshots/a.yaml", "", undefined],
    ["snapshots/a.yaml", "..\\..\\x", undefined],
  ])("a symlink at %s to %s resolves to %s", (link, target, expected) => {
    expect(resolveInside(link, target)).toBe(expected);
  });

  it("keeps only wanted paths and refuses submodules, unsafe paths and oversized files together", async () => {
    const entries: TreeEntry[] = [
      blob("snapgate.yaml"),
      blob("snapgate.yaml.bak"),
      blob("snapshots/ok.yaml"),
      blob("snapshots/big.yaml", 101),
      blob("snapshots/../escape.yaml"),
      blob("snapshots/.GIT/config"),
      { mode: "160000", type: "commit", object: "c", size: 0, path: "snapshots/sub" },
      blob("other/huge.bin", 10_000),
    ];
    const { files, issues } = await planFiles(entries, limits, async () => "");
    expect(files.map((f) => f.path)).toEqual(["snapgate.yaml", "snapshots/ok.yaml"]);
    expect(issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      "snapshots/big.yaml: file is 101 bytes, over the 100-byte limit",
      "snapshots/../escape.yaml: path has an empty, '.' or '..' component",
      "snapshots/.GIT/config: path has a .git component",
      "snapshots/sub: submodules are not supported",
    ]);
  });

  it("lists the tree's other files (not directories or submodules) so layout warnings can name them", async () => {
    const entries: TreeEntry[] = [
      blob("snapgate.yaml"),
      blob("Snapgate.yaml"),
      blob("snapshot/db.yaml"),
      blob("snapshots/ok.yaml"),
      blob("other/huge.bin", 10_000),
      { mode: "040000", type: "tree", object: "t", size: 0, path: "other" },
      { mode: "160000", type: "commit", object: "c", size: 0, path: "vendor/sub" },
    ];
    const { files, issues, notWritten } = await planFiles(entries, limits, async () => "");
    expect(issues).toEqual([]);
    expect(files.map((f) => f.path)).toEqual(["snapgate.yaml", "snapshots/ok.yaml"]);
    expect(notWritten).toEqual(["Snapgate.yaml", "snapshot/db.yaml", "other/huge.bin"]);
  });

  it("follows symlink chains inside the tree, checks the size of the final target, stops on loops", async () => {
    const links: Record<string, string> = {
      "obj:snapshots/a.yaml": "b.yaml",
      "obj:snapshots/b.yaml": "../data/real.yaml",
      "obj:snapshots/loop1.yaml": "loop2.yaml",
      "obj:snapshots/loop2.yaml": "loop1.yaml",
      "obj:snapshots/big.yaml": "../data/big.yaml",
    };
    const entries: TreeEntry[] = [
      blob("snapshots/a.yaml", 6, "120000"),
      blob("snapshots/b.yaml", 17, "120000"),
      blob("snapshots/loop1.yaml", 10, "120000"),
      blob("snapshots/loop2.yaml", 10, "120000"),
      blob("snapshots/big.yaml", 10, "120000"),
      blob("data/real.yaml", 42),
      blob("data/big.yaml", 500),
    ];
    const { files, issues } = await planFiles(
      entries,
      limits,
      async (object) => links[object] ?? "",
    );
    expect(files).toEqual([
      { path: "snapshots/a.yaml", object: "obj:data/real.yaml", size: 42 },
      { path: "snapshots/b.yaml", object: "obj:data/real.yaml", size: 42 },
    ]);
    expect(issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      "snapshots/loop1.yaml: more than 20 levels of symlinks",
      "snapshots/loop2.yaml: more than 20 levels of symlinks",
      "snapshots/big.yaml: file is 500 bytes (via symlink to data/big.yaml), over the 100-byte limit",
    ]);
  });
});

describe("commit objects", () => {
  it("reads author, committer date with its offset, and the full message past a signature", () => {
    const raw = [
      "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
      "parent 1111111111111111111111111111111111111111",
      "author Ada Lovelace <ada@example.com> 1764230400 +0000",
      "committer Grace Hopper <grace@example.com> 1764230400 -0530",
      "gpgsig -----BEGIN PGP SIGNATURE-----",
      " ",
      " abc",
      " -----END PGP SIGNATURE-----",
      "",
      "Subject line",
      "",
      "Body with author Mallory <m@x> 1 +0000 inside.",
      "",
    ].join("\n");
    expect(parseCommitObject(raw)).toEqual({
      author: "Ada Lovelace <ada@example.com>",
      committedAt: "2025-11-27T02:30:00-05:30",
      message: "Subject line\n\nBody with author Mallory <m@x> 1 +0000 inside.",
    });
  });
});

describe("cat-file --batch output", () => {
  it("splits objects by their sizes, whatever bytes they hold, and skips missing ones", () => {
    const binary = Buffer.from([0x0a, 0x00, 0x61, 0x0a, 0x0a]);
    const out = Buffer.concat([
      Buffer.from("aaaa blob 5\n"),
      binary,
      Buffer.from("\nbbbb missing\ncccc blob 0\n\ndddd blob 3\nxyz\n"),
    ]);
    const objects = parseCatFileBatch(out);
    expect([...objects.keys()]).toEqual(["aaaa", "cccc", "dddd"]);
    expect(objects.get("aaaa")?.equals(binary)).toBe(true);
    expect(objects.get("cccc")?.length).toBe(0);
    expect(objects.get("dddd")?.toString()).toBe("xyz");
  });
});

describe("cat-file --batch output for <name>^{commit}", () => {
  it("answers every name in order: a commit with its raw object, missing or ambiguous", () => {
    const sha = "a".repeat(40);
    const raw = "tree x\nauthor A <a@x> 1 +0000\n\nmsg\n";
    const out = Buffer.from(
      `refs/heads/x missing\n${sha} commit ${Buffer.byteLength(raw)}\n${raw}\nabc ambiguous\n`,
    );
    const found = parseCommitBatch(["refs/heads/x", "refs/tags/y", "abc"], out);
    expect(found.get("refs/heads/x")).toEqual({ found: false, why: "missing" });
    const tag = found.get("refs/tags/y");
    expect(tag?.found && tag.sha).toBe(sha);
    expect(tag?.found && tag.raw.toString()).toBe(raw);
    expect(found.get("abc")).toEqual({ found: false, why: "ambiguous" });
  });

  it("treats truncated output as missing rather than inventing a commit", () => {
    const found = parseCommitBatch(["a", "b"], Buffer.from(""));
    expect(found.get("a")).toEqual({ found: false, why: "missing" });
    expect(found.get("b")).toEqual({ found: false, why: "missing" });
  });
});
