import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  readBoundedText,
  readRepoBytes,
  readRepoText,
  resolveInside,
} from "../../src/core/untrusted-file.js";
import { tempDir } from "../helpers/git-repo.js";

function repo(): string {
  const dir = tempDir("snapgate-untrusted-");
  mkdirSync(path.join(dir, "iam"));
  writeFileSync(path.join(dir, "iam", "ok.json"), "{}");
  return dir;
}

describe("the reader of untrusted files", () => {
  it("reads a regular file inside the repository", async () => {
    expect(await readRepoText(repo(), "iam/ok.json", { maxBytes: 10 })).toEqual({
      ok: true,
      text: "{}",
    });
  });

  it("refuses paths outside the repository, as written or through a symlink", async () => {
    const dir = repo();
    const outside = tempDir("snapgate-outside-");
    writeFileSync(path.join(outside, "secret"), "x");
    symlinkSync(path.join(outside, "secret"), path.join(dir, "iam", "link.json"));
    for (const rel of ["../x", "/etc/passwd", "iam/../../x", "iam/link.json"]) {
      const r = await resolveInside(dir, rel);
      expect(r.ok, rel).toBe(false);
      if (!r.ok) expect(r.problem.kind, rel).toBe("outside");
    }
    const missing = await readRepoBytes(dir, "iam/none.json", { maxBytes: 10 });
    expect(missing).toMatchObject({ ok: false, problem: { kind: "missing" } });
  });

  it("refuses a FIFO, a device and a directory without opening them", async () => {
    const dir = repo();
    execFileSync("mkfifo", [path.join(dir, "iam", "pipe.json")]);
    for (const file of [path.join(dir, "iam", "pipe.json"), "/dev/zero", dir]) {
      expect(await readBoundedText(file, { maxBytes: 10 }), file).toEqual({
        ok: false,
        problem: { kind: "not-regular", message: "is not a regular file" },
      });
    }
  });

  it("refuses a file over the limit by its size, and invalid UTF-8 at its place", async () => {
    const dir = repo();
    writeFileSync(path.join(dir, "iam", "big.json"), "x".repeat(11));
    expect(await readRepoText(dir, "iam/big.json", { maxBytes: 10 })).toEqual({
      ok: false,
      problem: { kind: "too-large", message: "is 11 bytes; the limit is 10 bytes (10 bytes)" },
    });
    writeFileSync(path.join(dir, "iam", "bad.json"), Buffer.from([0x7b, 0x0a, 0x20, 0xff]));
    expect(await readRepoText(dir, "iam/bad.json", { maxBytes: 10 })).toEqual({
      ok: false,
      problem: { kind: "not-utf8", message: "is not valid UTF-8", line: 2, col: 2 },
    });
  });
});
