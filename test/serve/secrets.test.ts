import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSecrets, secretsFrom } from "../../src/serve/secrets.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "snapgate-secrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("webhook secrets", () => {
  it("a file with several lines gives several secrets (rotation), skipping blanks and comments", async () => {
    const file = join(dir, "rotating");
    await writeFile(
      file,
      "# new one first\nnew-secret-0123456789\n\n  old-secret-0123456789  \r\n",
    );
    expect(await secretsFrom({ file, env: {} })).toEqual([
      "new-secret-0123456789",
      "old-secret-0123456789",
    ]);
  });

  it("the file wins over the env var; the env var alone works; neither gives [] (webhooks disabled)", async () => {
    const file = join(dir, "one");
    await writeFile(file, "file-secret-0123456789\n");
    const env = { SNAPGATE_WEBHOOK_SECRET: "env-secret-0123456789" };
    expect(await secretsFrom({ file, env })).toEqual(["file-secret-0123456789"]);
    expect(await secretsFrom({ env })).toEqual(["env-secret-0123456789"]);
    expect(await secretsFrom({ env: {} })).toEqual([]);
  });

  it("a secret file that is a FIFO or a device is BadInput naming it, never a hang or an endless read", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    await expect(secretsFrom({ file: fifo, env: {} })).rejects.toThrow(
      `${fifo}: the webhook secret file is not a regular file`,
    );
    await expect(secretsFrom({ file: "/dev/zero", env: {} })).rejects.toThrow(
      "/dev/zero: the webhook secret file is not a regular file",
    );
  });

  it("a short secret is BadInput located at its line", () => {
    expect(() => parseSecrets("good-secret-0123456789\nshort\n", "secret.txt")).toThrow(
      "secret.txt:2: secret is shorter than 16 characters",
    );
  });

  it("an empty or unreadable file is BadInput naming the file", async () => {
    const empty = join(dir, "empty");
    await writeFile(empty, "# nothing\n\n");
    await expect(secretsFrom({ file: empty })).rejects.toThrow(`${empty}: no secret found`);
    await expect(secretsFrom({ file: join(dir, "missing") })).rejects.toThrow(
      "cannot read the webhook secret file (ENOENT)",
    );
  });
});
