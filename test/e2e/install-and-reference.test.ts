/**
 * Issue 16, point 8: a new user found nothing to install (the CI examples ran
 * `npm install --global snapgate@0.1.0`, a package that does not exist), no install
 * section, a citation of a document outside the repository, and no reference for the
 * file formats. This checks what they read now, and that the built CLI agrees with it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");

/** The body of a `## heading` section of the README. */
function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  expect(start, heading).toBeGreaterThan(0);
  const rest = README.slice(start + heading.length + 5);
  const end = rest.search(/\n## /);
  return end < 0 ? rest : rest.slice(0, end);
}

describe("install and reference", () => {
  it("the CI examples install what exists: the tarball or the repository, never the registry", () => {
    for (const file of readdirSync(path.join(ROOT, "examples", "ci"))) {
      const text = read(`examples/ci/${file}`);
      const installs = text
        .split("\n")
        .filter((l) => /npm (install|i) /.test(l) && !/^\s*#/.test(l));
      expect(installs.length, file).toBeGreaterThan(0);
      for (const line of installs) {
        // before: `npm install --global snapgate@0.1.0`
        expect(line, file).not.toMatch(/snapgate@/);
        expect(line, file).toMatch(/SNAPGATE_PACKAGE/);
      }
      // the comment says where SNAPGATE_PACKAGE comes from: `npm pack` or the repository
      expect(text, file).toMatch(/npm pack/);
      expect(text, file).toMatch(/git\+https:/);
    }
  });

  it("the README has an Install section for the tarball, the repository and the Docker image", () => {
    const install = section("Install");
    expect(install).toContain("npm pack");
    expect(install).toContain("npm install --global ./snapgate-");
    expect(install).toContain("npm install --global git+https://");
    expect(install).toContain("docker build -t snapgate .");
    // the tarball it names is the one `npm pack` writes for this version
    const { version } = JSON.parse(read("package.json")) as { version: string };
    expect(install).toContain(`snapgate-${version}.tgz`);
    expect(README).not.toMatch(/SPEC\s*§/);
  });

  it("docs/ has a page for every file format and the webhooks, each linked from its index", () => {
    const index = read("docs/README.md");
    const pages: Record<string, RegExp> = {
      "snapgate-yaml.md": /kind `Reconciler`/,
      "snapshot-set.md": /kind `SnapshotSet`/,
      "plan-file.md": /formatVersion/,
      "fleet-seed.md": /principals/,
      "audit-log.md": /delete-intent/,
      "report-json.md": /schemaVersion/,
      "webhooks.md": /X-Hub-Signature-256/,
      "editor-schemas.md": /yaml-language-server/,
      "cli-output.md": /\b130\b/,
    };
    for (const [page, mark] of Object.entries(pages)) {
      expect(index, page).toContain(`(${page})`);
      expect(read(`docs/${page}`), page).toMatch(mark);
    }
    // every relative link in docs/ points at a file that exists
    for (const page of readdirSync(path.join(ROOT, "docs"))) {
      for (const m of read(`docs/${page}`).matchAll(/\]\((?!https?:|#)([^)#]+)/g)) {
        const target = path.join(ROOT, "docs", m[1] as string);
        expect(existsSync(target), `${page} → ${m[1]}`).toBe(true);
      }
    }
  });

  it("the documented exit codes and flags are the built CLI's", async () => {
    const exitCodes = read("src/cli/exit-codes.ts");
    for (const code of ["130", "143"]) {
      expect(exitCodes).toContain(code);
      expect(read("docs/cli-output.md")).toContain(`| ${code} |`);
    }
    const serve = await runCli(["serve", "--help"]);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toContain("--log-format <format>");
    expect(serve.stdout).toMatch(/"json", "pretty"/);
  });
});
