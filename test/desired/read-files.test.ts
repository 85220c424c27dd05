import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatIssue, SnapgateError } from "../../src/core/errors.js";
import {
  loadDesiredState,
  MAX_CONFIG_FILE_BYTES,
  readDesiredFiles,
} from "../../src/desired/index.js";
import { MINIMAL_RECONCILER } from "./helpers.js";

let base: string;
let repo: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "snapgate-desired-"));
  repo = path.join(base, "repo");
  await mkdir(path.join(repo, "snapshots"), { recursive: true });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function setYaml(name: string, region = "us-east-1"): string {
  return `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: ${name} }\nspec: { region: ${region} }\n`;
}

async function readProblems(): Promise<string[]> {
  try {
    await readDesiredFiles(repo);
  } catch (err) {
    if (err instanceof SnapgateError && err.code === "BadInput") return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error("expected readDesiredFiles to refuse the repository");
}

describe("readDesiredFiles", () => {
  it("reads snapgate.yaml and snapshots/**/*.yaml|yml sorted by path, skipping other files", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
    await writeFile(path.join(repo, "snapshots", "web.yaml"), setYaml("web"));
    await writeFile(path.join(repo, "snapshots", "b-db.yml"), setYaml("db", "eu-west-2"));
    await writeFile(path.join(repo, "snapshots", "README.md"), "# not yaml\n");
    await mkdir(path.join(repo, "snapshots", "nested"));
    // a subdirectory is read too: a set moved into snapshots/prod/ keeps protecting its snapshots
    await writeFile(path.join(repo, "snapshots", "nested", "x.yaml"), setYaml("nested"));
    await writeFile(path.join(repo, "snapshots", "nested", "x.yaml.bak"), "not: read\n");

    const files = await readDesiredFiles(repo);
    expect(files.reconciler).toStrictEqual({ path: "snapgate.yaml", text: MINIMAL_RECONCILER });
    expect(files.snapshotSets.map((f) => f.path)).toStrictEqual([
      "snapshots/b-db.yml",
      "snapshots/nested/x.yaml",
      "snapshots/web.yaml",
    ]);
    expect(loadDesiredState(files).sets.map((s) => s.name)).toStrictEqual(["db", "nested", "web"]);
  });

  it("accepts snapgate.yml, a missing snapshots/ dir, and reports a missing reconciler as null", async () => {
    await rm(path.join(repo, "snapshots"), { recursive: true });
    expect(await readDesiredFiles(repo)).toStrictEqual({ reconciler: null, snapshotSets: [] });
    await writeFile(path.join(repo, "snapgate.yml"), MINIMAL_RECONCILER);
    const files = await readDesiredFiles(repo);
    expect(files.reconciler?.path).toBe("snapgate.yml");
    expect(files.snapshotSets).toStrictEqual([]);
  });

  it("refuses both snapgate.yaml and snapgate.yml", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
    await writeFile(path.join(repo, "snapgate.yml"), MINIMAL_RECONCILER);
    expect(await readProblems()).toStrictEqual([
      "snapgate.yml: both snapgate.yaml and snapgate.yml exist: keep only one",
    ]);
  });

  it("follows symlinks inside the repository and refuses those that leave it, all at once", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
    await mkdir(path.join(repo, "shared"));
    await writeFile(path.join(repo, "shared", "web.yaml"), setYaml("web"));
    await symlink("../shared/web.yaml", path.join(repo, "snapshots", "inside.yaml"));
    await writeFile(path.join(base, "outside.yaml"), setYaml("evil"));
    await symlink(path.join(base, "outside.yaml"), path.join(repo, "snapshots", "outside.yaml"));
    await symlink("../../outside.yaml", path.join(repo, "snapshots", "relative-out.yaml"));
    await symlink("does-not-exist.yaml", path.join(repo, "snapshots", "dangling.yaml"));

    expect(await readProblems()).toStrictEqual([
      "snapshots/dangling.yaml: is a symlink to a path that does not exist",
      "snapshots/outside.yaml: is a symlink that points outside the repository: refused",
      "snapshots/relative-out.yaml: is a symlink that points outside the repository: refused",
    ]);

    await rm(path.join(repo, "snapshots", "outside.yaml"));
    await rm(path.join(repo, "snapshots", "relative-out.yaml"));
    await rm(path.join(repo, "snapshots", "dangling.yaml"));
    const files = await readDesiredFiles(repo);
    expect(files.snapshotSets).toStrictEqual([
      { path: "snapshots/inside.yaml", text: setYaml("web") },
    ]);
  });

  it("refuses a snapgate.yaml or snapshots/ dir that is a symlink out of the repository", async () => {
    const elsewhere = path.join(base, "elsewhere");
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, "snapgate.yaml"), MINIMAL_RECONCILER);
    await symlink(path.join(elsewhere, "snapgate.yaml"), path.join(repo, "snapgate.yaml"));
    await rm(path.join(repo, "snapshots"), { recursive: true });
    await symlink(elsewhere, path.join(repo, "snapshots"));
    expect(await readProblems()).toStrictEqual([
      "snapgate.yaml: is a symlink that points outside the repository: refused",
      "snapshots: is a symlink that points outside the repository: refused",
    ]);
  });

  it("refuses a file over 1 MiB and accepts one exactly at the limit", async () => {
    const header = MINIMAL_RECONCILER;
    const atLimit = `${header}#${"x".repeat(MAX_CONFIG_FILE_BYTES - header.length - 2)}\n`;
    expect(Buffer.byteLength(atLimit)).toBe(MAX_CONFIG_FILE_BYTES);
    await writeFile(path.join(repo, "snapgate.yaml"), atLimit);
    expect((await readDesiredFiles(repo)).reconciler?.text).toBe(atLimit);

    await writeFile(path.join(repo, "snapgate.yaml"), `${atLimit}#`);
    expect(await readProblems()).toStrictEqual([
      `snapgate.yaml: is ${MAX_CONFIG_FILE_BYTES + 1} bytes; the limit is ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
    ]);
  });

  it("reports invalid UTF-8 with the line and column of the bad byte", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
    const good = Buffer.from(
      "apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: caf\u00e9-x }\n",
    );
    const bad = Buffer.concat([
      good,
      Buffer.from("spec: { region: \u00e9u-"),
      Buffer.from([0xff, 0x41]),
      Buffer.from(" }\n"),
    ]);
    await writeFile(path.join(repo, "snapshots", "web.yaml"), bad);
    // column counts characters: "spec: { region: éu-" is 19 characters, so the bad byte is column 20
    expect(await readProblems()).toStrictEqual(["snapshots/web.yaml:4:20: is not valid UTF-8"]);
  });

  it("refuses a directory named like a YAML file", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
    await mkdir(path.join(repo, "snapshots", "odd.yaml"));
    expect(await readProblems()).toStrictEqual(["snapshots/odd.yaml: is not a regular file"]);
  });

  it("strips a UTF-8 byte order mark", async () => {
    await writeFile(path.join(repo, "snapgate.yaml"), `\ufeff${MINIMAL_RECONCILER}`);
    const files = await readDesiredFiles(repo);
    expect(files.reconciler?.text).toBe(MINIMAL_RECONCILER);
    expect(loadDesiredState(files).name).toBe("prod");
  });

  it("fails with SourceFailed when the directory does not exist", async () => {
    await expect(readDesiredFiles(path.join(base, "missing"))).rejects.toMatchObject({
      code: "SourceFailed",
    });
  });
});
