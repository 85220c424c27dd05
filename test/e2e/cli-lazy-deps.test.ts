/**
 * What a command loads at start-up: a plan with its state in a directory never loads the S3
 * client, and libraries only some repositories need (tar-stream for a tarball bundle, the IAM
 * policy parser, the plan-file schema) load when used. Read from the source maps of the
 * bundle's chunks that the built CLI actually loaded.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers/cli.js";

const bin = path.join(path.dirname(CLI), "bin.js");
const recorder = fileURLToPath(new URL("../helpers/record-loads.mjs", import.meta.url));

/** The original sources (package paths, snapgate's src/ files) of every chunk `args` loaded. */
function sourcesLoadedBy(args: string[], env: Record<string, string> = {}): string[] {
  const loads = path.join(mkdtempSync(path.join(os.tmpdir(), "snapgate-loads-")), "loads");
  const r = spawnSync(process.execPath, ["--import", recorder, bin, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env, SNAPGATE_TEST_LOADS: loads },
  });
  expect(r.status, r.stderr).toBe(0);
  const files = readFileSync(loads, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((u) => fileURLToPath(u));
  expect(files.length).toBeGreaterThan(1);
  const sources: string[] = [];
  for (const file of files.filter((f) => f.startsWith(path.dirname(CLI)))) {
    const map = JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] };
    sources.push(...map.sources);
  }
  return sources;
}

const fromPackage = (sources: string[], pkg: string) =>
  sources.filter((s) => s.includes(`node_modules/${pkg}/`));
const fromSrc = (sources: string[], file: string) =>
  sources.filter((s) => s.endsWith(`src/${file}`));

describe("start-up loads what the command needs", () => {
  it("plan with state in a directory: no S3 client, tar-stream, IAM parser or plan-file schema", () => {
    const sources = sourcesLoadedBy(["plan", "--help"]);
    // what plan does need is there: the Lightsail client and the desired-state schema
    expect(fromPackage(sources, "@aws-sdk/client-lightsail").length).toBeGreaterThan(0);
    expect(fromSrc(sources, "desired/schema.ts")).toHaveLength(1);
    expect(fromPackage(sources, "@aws-sdk/client-s3")).toEqual([]);
    expect(fromPackage(sources, "tar-stream")).toEqual([]);
    expect(fromSrc(sources, "iam/parse-policy.ts")).toEqual([]);
    expect(fromSrc(sources, "core/plan-schema.ts")).toEqual([]);
  });

  it("a command whose work is S3 loads the S3 client (the check above can see it)", () => {
    const sources = sourcesLoadedBy(["audit-log", "--help"]);
    expect(fromPackage(sources, "@aws-sdk/client-s3").length).toBeGreaterThan(0);
  });
});
