/**
 * Nothing from the repository runs, nothing outside it is read, nothing
 * oversized is written, no credential is printed and nothing waits for a password.
 */
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { checkoutSource, MAX_CHECKOUT_FILE_BYTES, resolveRef } from "../../src/source/index.js";
import {
  commitFiles,
  git,
  makeRepo,
  RECONCILER_YAML,
  removeDir,
  tempDir,
  writeFiles,
} from "./git-fixtures.js";

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo();
});

function fresh(files: Parameters<typeof makeRepo>[0] = {}): { repo: string; cacheDir: string } {
  const repo = makeRepo({ "snapgate.yaml": RECONCILER_YAML, ...files });
  const cacheDir = tempDir("cache");
  cleanup.push(
    () => removeDir(repo),
    () => removeDir(cacheDir),
  );
  return { repo, cacheDir };
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

describe("nothing from the repository or a hostile config runs", () => {
  // A user-level git config (as an attacker-influenced or careless setup might
  // have) that installs hooks and a smudge filter, each leaving a marker file.
  let home: string;
  let markers: string;
  const saved = { HOME: process.env.HOME, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };

  beforeEach(() => {
    home = tempDir("home");
    markers = join(home, "markers");
    const hook = (name: string) => `#!/bin/sh\nmkdir -p ${markers}\ntouch ${markers}/${name}\n`;
    writeFiles(home, {
      "hooks/post-checkout": hook("post-checkout"),
      "hooks/reference-transaction": hook("reference-transaction"),
      "hooks/post-merge": hook("post-merge"),
      "smudge.sh": `#!/bin/sh\nmkdir -p ${markers}\ntouch ${markers}/smudge\necho SMUDGED\n`,
      ".gitconfig": [
        "[core]",
        `\thooksPath = ${join(home, "hooks")}`,
        '[filter "evil"]',
        `\tsmudge = ${join(home, "smudge.sh")}`,
        "\tclean = cat",
        "\trequired = true",
        "",
      ].join("\n"),
    });
    for (const name of ["post-checkout", "reference-transaction", "post-merge"]) {
      chmodSync(join(home, "hooks", name), 0o755);
    }
    chmodSync(join(home, "smudge.sh"), 0o755);
    process.env.HOME = home;
    delete process.env.XDG_CONFIG_HOME;
    cleanup.push(() => {
      process.env.HOME = saved.HOME;
      if (saved.XDG_CONFIG_HOME !== undefined) process.env.XDG_CONFIG_HOME = saved.XDG_CONFIG_HOME;
      removeDir(home);
    });
  });

  function repoWithFilteredFile(): { repo: string; cacheDir: string } {
    // Built with the filter absent (HOME of the real user) so the blob holds the raw text.
    const { repo, cacheDir } = fresh({
      ".gitattributes": "snapshots/*.yaml filter=evil\n*.yaml text eol=crlf\n",
      "snapshots/web.yaml": "raw: content\n",
    });
    return { repo, cacheDir };
  }

  it("control: plain git with this config does run the hooks and the filter", () => {
    const { repo } = repoWithFilteredFile();
    const target = tempDir("control");
    cleanup.push(() => removeDir(target));
    git(target, ["clone", "--quiet", repo, "clone"], { HOME: home });
    expect(existsSync(join(markers, "post-checkout"))).toBe(true);
    expect(existsSync(join(markers, "smudge"))).toBe(true);
    expect(readFileSync(join(target, "clone", "snapshots/web.yaml"), "utf8")).toContain("SMUDGED");
    git(target, ["init", "--quiet", "--bare", "mirror.git"], { HOME: home });
    git(join(target, "mirror.git"), ["fetch", "--quiet", repo, "+refs/heads/*:refs/heads/*"], {
      HOME: home,
    });
    expect(existsSync(join(markers, "reference-transaction"))).toBe(true);
  });

  it("checkoutSource runs no hook and no filter, and writes the blob's exact bytes", async () => {
    const { repo, cacheDir } = repoWithFilteredFile();
    const result = await checkoutSource({ repo, cacheDir });
    cleanup.push(() => result.release());
    commitFiles(repo, { "snapshots/web.yaml": "raw: second\n" }, "second");
    const again = await checkoutSource({ repo, cacheDir }); // a fetch into an existing cache
    cleanup.push(() => again.release());
    expect(existsSync(markers)).toBe(false);
    expect(readFileSync(join(result.dir, "snapshots/web.yaml"), "utf8")).toBe("raw: content\n");
    expect(readFileSync(join(again.dir, "snapshots/web.yaml"), "utf8")).toBe("raw: second\n");
  });

  it("hooks in the source repository itself do not run either", async () => {
    const { repo, cacheDir } = fresh();
    process.env.HOME = tempDir("plain-home");
    cleanup.push(() => removeDir(process.env.HOME ?? ""));
    for (const name of [
      "post-checkout",
      "reference-transaction",
      "pre-upload-pack",
      "post-merge",
    ]) {
      writeFiles(repo, {
        [`.git/hooks/${name}`]: `#!/bin/sh\nmkdir -p ${markers}\ntouch ${markers}/${name}\n`,
      });
      chmodSync(join(repo, ".git/hooks", name), 0o755);
    }
    const result = await checkoutSource({ repo, cacheDir });
    cleanup.push(() => result.release());
    expect(existsSync(markers)).toBe(false);
  });
});

describe("symlinks", () => {
  it("refuses an absolute symlink out of the repository, naming the file", async () => {
    const { repo, cacheDir } = fresh({ "snapshots/evil.yaml": { symlink: "/etc/passwd" } });
    const err = await sourceError(checkoutSource({ repo, cacheDir }));
    expect(err.message).toBe("snapshots/evil.yaml: symlink points outside the repository");
  });

  it("refuses a relative symlink that climbs out, and reports every problem at once", async () => {
    const { repo, cacheDir } = fresh({
      "snapshots/up.yaml": { symlink: "../../outside.yaml" },
      "policies/p.rego": { symlink: "../../../../etc/shadow" },
    });
    const err = await sourceError(checkoutSource({ repo, cacheDir }));
    expect(err.issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      "policies/p.rego: symlink points outside the repository",
      "snapshots/up.yaml: symlink points outside the repository",
    ]);
    expect(err.describe()).toContain("snapshots/up.yaml: symlink points outside the repository");
  });

  it("materialises a symlink to a file inside the repository as that file's content", async () => {
    const { repo, cacheDir } = fresh({
      "shared/web.yaml": "from: shared\n",
      "snapshots/web.yaml": { symlink: "../shared/web.yaml" },
      "snapshots/alias.yaml": { symlink: "web.yaml" },
    });
    const result = await checkoutSource({ repo, cacheDir });
    cleanup.push(() => result.release());
    expect(readFileSync(join(result.dir, "snapshots/alias.yaml"), "utf8")).toBe("from: shared\n");
    expect(readFileSync(join(result.dir, "snapshots/web.yaml"), "utf8")).toBe("from: shared\n");
    expect(existsSync(join(result.dir, "shared"))).toBe(false);
  });

  it("refuses a symlink to a directory or to nothing", async () => {
    const { repo, cacheDir } = fresh({
      "other/a.yaml": "a\n",
      snapshots: { symlink: "other" },
      "iam/missing.json": { symlink: "nope.json" },
    });
    const err = await sourceError(checkoutSource({ repo, cacheDir }));
    expect(err.issues.map((i) => `${i.file}: ${i.message}`)).toEqual([
      "iam/missing.json: symlink target iam/nope.json does not exist in the repository",
      "snapshots: symlink to a directory (other) is not supported",
    ]);
  });
});

describe("size limits", () => {
  it("refuses a file over 1 MiB with its name and size", async () => {
    const { repo, cacheDir } = fresh({
      "snapshots/huge.yaml": "#".repeat(MAX_CHECKOUT_FILE_BYTES + 1),
    });
    const err = await sourceError(checkoutSource({ repo, cacheDir }));
    expect(err.message).toBe(
      `snapshots/huge.yaml: file is ${MAX_CHECKOUT_FILE_BYTES + 1} bytes, over the ${MAX_CHECKOUT_FILE_BYTES}-byte limit`,
    );
  });

  it("accepts a file of exactly the limit, and ignores big files snapgate does not read", async () => {
    const { repo, cacheDir } = fresh({
      "snapshots/full.yaml": "#".repeat(MAX_CHECKOUT_FILE_BYTES),
      "assets/video.bin": Buffer.alloc(3 * MAX_CHECKOUT_FILE_BYTES),
    });
    const result = await checkoutSource({ repo, cacheDir });
    cleanup.push(() => result.release());
    expect(readFileSync(join(result.dir, "snapshots/full.yaml")).length).toBe(
      MAX_CHECKOUT_FILE_BYTES,
    );
  });

  it("refuses a tree whose wanted files together exceed the total limit", async () => {
    const { repo, cacheDir } = fresh({
      "snapshots/a.yaml": "a".repeat(600),
      "snapshots/b.yaml": "b".repeat(600),
    });
    const err = await sourceError(checkoutSource({ repo, cacheDir, maxTotalBytes: 1000 }));
    expect(err.message).toMatch(/total 1\d{3} bytes, over the 1000-byte limit/);
  });
});

describe("credentials and prompts", () => {
  it("never prints the password of an https URL", async () => {
    const cacheDir = tempDir("cache");
    cleanup.push(() => removeDir(cacheDir));
    const repo = "https://user:secret-token@127.0.0.1:9/repo.git";
    for (const attempt of [
      () => checkoutSource({ repo, cacheDir, ref: "main" }),
      () => checkoutSource({ repo, cacheDir }),
      () => resolveRef({ repo, cacheDir, ref: "main" }),
      () => checkoutSource({ repo, cacheDir, ref: "bad ref" }),
    ]) {
      const err = await sourceError(attempt());
      expect(err.describe()).not.toContain("secret");
      expect(err.describe()).toContain("https://***@127.0.0.1:9/repo.git");
    }
  });

  it("fails at once instead of prompting when a server asks for a password", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("auth required");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const cacheDir = tempDir("cache");
    cleanup.push(() => removeDir(cacheDir));
    const err = await sourceError(
      checkoutSource({ repo: `http://127.0.0.1:${port}/r.git`, cacheDir, ref: "main" }),
    );
    expect(err.message).toMatch(/terminal prompts disabled/);
    expect(err.message).toContain(`cannot fetch http://127.0.0.1:${port}/r.git`);
  });
});
