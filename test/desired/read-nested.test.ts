/** readDesiredFiles below snapshots/: every YAML file at any depth is read or refused, never skipped. */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatIssue, SnapgateError } from "../../src/core/errors.js";
import {
  loadDesiredState,
  MAX_SNAPSHOT_DEPTH,
  MAX_SNAPSHOT_FILES,
  readDesiredFiles,
} from "../../src/desired/index.js";
import { MINIMAL_RECONCILER } from "./helpers.js";

let base: string;
let repo: string;

beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), "snapgate-nested-"));
  repo = path.join(base, "repo");
  await mkdir(path.join(repo, "snapshots"), { recursive: true });
  await writeFile(path.join(repo, "snapgate.yaml"), MINIMAL_RECONCILER);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function setYaml(name: string, keep: string[] = []): string {
  return `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: ${name} }\nspec: { region: us-east-1, keep: [${keep.join(", ")}] }\n`;
}

async function put(rel: string, text: string): Promise<void> {
  const full = path.join(repo, ...rel.split("/"));
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
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

/** `snapshots/d1/d2/…/d<depth>` */
function nestedDir(depth: number): string {
  return ["snapshots", ...Array.from({ length: depth }, (_, i) => `d${i + 1}`)].join("/");
}

describe("readDesiredFiles: nested snapshots/", () => {
  it("reads YAML at every depth, sorted by path, whatever the case of the extension", async () => {
    await put("snapshots/prod/db.yaml", setYaml("db", ["db-keep"]));
    await put("snapshots/prod.yaml", setYaml("prod"));
    await put("snapshots/a/b/c/deep.yml", setYaml("deep"));
    await put("snapshots/Upper.YAML", setYaml("upper"));
    await put("snapshots/prod/notes.txt", "not yaml\n");

    const files = await readDesiredFiles(repo);
    expect(files.snapshotSets.map((f) => f.path)).toStrictEqual([
      "snapshots/Upper.YAML",
      "snapshots/a/b/c/deep.yml",
      "snapshots/prod.yaml",
      "snapshots/prod/db.yaml",
    ]);
    const sets = loadDesiredState(files).sets;
    expect(sets.find((s) => s.name === "db")).toMatchObject({
      keep: ["db-keep"],
      file: "snapshots/prod/db.yaml",
    });
  });

  it(`reads ${MAX_SNAPSHOT_DEPTH} directories deep and refuses one more, naming the directory`, async () => {
    await put(`${nestedDir(MAX_SNAPSHOT_DEPTH)}/ok.yaml`, setYaml("ok"));
    expect((await readDesiredFiles(repo)).snapshotSets.map((f) => f.path)).toStrictEqual([
      `${nestedDir(MAX_SNAPSHOT_DEPTH)}/ok.yaml`,
    ]);

    await put(`${nestedDir(MAX_SNAPSHOT_DEPTH + 1)}/too-deep.yaml`, setYaml("deep"));
    expect(await readProblems()).toStrictEqual([
      `${nestedDir(MAX_SNAPSHOT_DEPTH + 1)}: is more than ${MAX_SNAPSHOT_DEPTH} directories deep under snapshots/, the limit: refused`,
    ]);
  });

  it(`reads ${MAX_SNAPSHOT_FILES} YAML files and refuses one more`, async () => {
    const dir = path.join(repo, "snapshots", "many");
    await mkdir(dir);
    // empty files: the count is what is tested, not parsing
    for (let i = 0; i < MAX_SNAPSHOT_FILES; i++)
      await writeFile(path.join(dir, `s${String(i).padStart(4, "0")}.yaml`), "");
    expect((await readDesiredFiles(repo)).snapshotSets).toHaveLength(MAX_SNAPSHOT_FILES);

    await writeFile(path.join(repo, "snapshots", "one-more.yml"), "");
    expect(await readProblems()).toStrictEqual([
      `snapshots: holds more than ${MAX_SNAPSHOT_FILES} YAML files, the limit: refused`,
    ]);
  });

  it("refuses a symlinked directory, a symlink out of the repository and a FIFO in a subdirectory", async () => {
    await put("shared/web.yaml", setYaml("web"));
    await mkdir(path.join(repo, "snapshots", "team"));
    await symlink("../../shared", path.join(repo, "snapshots", "team", "linked"));
    await writeFile(path.join(base, "outside.yaml"), setYaml("evil"));
    await symlink(
      path.join(base, "outside.yaml"),
      path.join(repo, "snapshots", "team", "out.yaml"),
    );
    execFileSync("mkfifo", [path.join(repo, "snapshots", "team", "pipe.yaml")]);
    // a FIFO without a YAML name is never opened, so it cannot block the read
    execFileSync("mkfifo", [path.join(repo, "snapshots", "team", "pipe")]);
    await symlink("nowhere", path.join(repo, "snapshots", "team", "dangling-readme"));

    expect((await readProblems()).sort()).toStrictEqual([
      "snapshots/team/linked: is a symlink to a directory, which is not followed: refused",
      "snapshots/team/out.yaml: is a symlink that points outside the repository: refused",
      "snapshots/team/pipe.yaml: is not a regular file",
    ]);
  });

  it("reports a nested file's parse error with its own path", async () => {
    await put(
      "snapshots/prod/db.yaml",
      "apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: db }\nspec: { region: us-east-1, keep: [not valid] }\n",
    );
    let message = "";
    try {
      loadDesiredState(await readDesiredFiles(repo));
    } catch (err) {
      message = err instanceof SnapgateError ? err.issues.map(formatIssue).join("\n") : String(err);
    }
    expect(message).toMatch(/^snapshots\/prod\/db\.yaml:4:\d+: spec\.keep\[0\]: "not valid"/);
  });
});
