/**
 * The package as a user gets it: `npm pack`, `npm install --global` of the tarball into a
 * clean prefix, then the installed copy's CLI (version, emulator, plan) and its library
 * entry (package.json `main`), with nothing of this checkout on the way.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, type TestRepo, tempDir } from "../helpers/git-repo.js";

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
};
/** The node running the tests runs the installed bin too (its shebang is `env node`). */
const ENV = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`,
  NODE_NO_WARNINGS: "1",
  npm_config_update_notifier: "false",
  AWS_ACCESS_KEY_ID: "test",
  AWS_SECRET_ACCESS_KEY: "test",
  AWS_REGION: "us-east-1",
};

let work: string;
let tarballFiles: string[];
let installed: string;
let bin: string;
let emulator: ChildProcess | undefined;
let endpoint: string;
let repo: TestRepo;

/** `snapgate emulator` from the installed copy; resolves with its URL once it listens. */
function startInstalledEmulator(seed: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["emulator", "--port", "0", "--seed", seed], {
      env: ENV,
      stdio: ["ignore", "pipe", "pipe"],
    });
    emulator = child;
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      const url = /listening on (http:\S+)/.exec(out)?.[1];
      if (url) resolve(url);
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
}

beforeAll(async () => {
  work = tempDir("snapgate-package-");
  // dist/ is already built (pretest); scripts off so packing cannot rebuild it under other tests.
  const packed = await run(
    "npm",
    ["pack", "--ignore-scripts", "--json", "--pack-destination", work],
    { cwd: ROOT, env: ENV },
  );
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  tarballFiles = info.files.map((f) => f.path);
  const prefix = path.join(work, "prefix");
  await run(
    "npm",
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      path.join(work, info.filename),
    ],
    { cwd: work, env: ENV },
  );
  installed = path.join(prefix, "lib", "node_modules", "snapgate");
  bin = path.join(prefix, "bin", "snapgate");
  endpoint = await startInstalledEmulator(path.join(installed, "examples", "fleet.yaml"));
  repo = makeRepo({}, path.join(installed, "examples", "desired-state"));
}, 240_000);

afterAll(() => {
  emulator?.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

describe("the installed package", () => {
  it("holds the build, the policy bundle and the examples, and no tests, sources or dev files", () => {
    for (const file of [
      "package.json",
      "dist/cli/bin.js",
      "dist/cli/main.js",
      "dist/index.js",
      "dist/index.d.ts",
      "policies/bundle/policy.wasm",
      "examples/fleet.yaml",
      // the reference and the editor schemas ship with the package
      "docs/README.md",
      "docs/snapgate-yaml.md",
      "schemas/snapgate.schema.json",
      "schemas/snapshotset.schema.json",
    ])
      expect(tarballFiles).toContain(file);
    const dev = tarballFiles.filter(
      (f) =>
        /^(test|src|bench|scripts|tools|\.ci|\.tools|node_modules)\//.test(f) ||
        /\.map$|\.test\.|(?<!\.d)\.ts$/.test(f) ||
        /^(tsconfig.*\.json|biome\.json|vitest\.config\.ts|package-lock\.json|Dockerfile)$/.test(f),
    );
    expect(dev).toEqual([]);
  });

  it("`snapgate --version` prints the package version", async () => {
    const r = await run(bin, ["--version"], { env: ENV });
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("plans against the installed emulator with the installed CLI", async () => {
    const stateDir = path.join(work, "state-cli");
    const r = await run(
      bin,
      ["plan", "--repo", repo.dir, "--endpoint-url", endpoint, "--state-dir", stateDir],
      { env: ENV },
    ).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/Plan: [1-9]\d* to delete, \d+ blocked, \d+ missing/);
  });

  it("the library entry (package.json main) plans the same as the CLI", async () => {
    const app = path.join(work, "app");
    mkdirSync(path.join(app, "node_modules"), { recursive: true });
    symlinkSync(installed, path.join(app, "node_modules", "snapgate"));
    writeFileSync(
      path.join(app, "plan.mjs"),
      `import { makePlan, renderPlan, startEmulator } from "snapgate";
const lightsail = await startEmulator({ seed: process.argv[3] });
try {
  const plan = await makePlan({ repo: process.argv[2], endpointUrl: lightsail.url, stateDir: process.argv[4] });
  process.stdout.write(renderPlan(plan, "text", { color: false }));
} finally {
  await lightsail.close();
}
`,
    );
    const api = await run(
      process.execPath,
      [
        "plan.mjs",
        repo.dir,
        path.join(installed, "examples", "fleet.yaml"),
        path.join(work, "state-api"),
      ],
      { cwd: app, env: ENV },
    );
    const cli = await run(
      bin,
      [
        "plan",
        "--repo",
        repo.dir,
        "--endpoint-url",
        endpoint,
        "--state-dir",
        path.join(work, "state-cli-2"),
      ],
      { env: ENV },
    );
    const summary = (text: string) => /Plan: .*/.exec(text)?.[0];
    expect(summary(api.stdout)).toBeDefined();
    expect(summary(api.stdout)).toBe(summary(cli.stdout));
  });
});
