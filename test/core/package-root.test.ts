import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PACKAGE_ROOT, packageRootFrom } from "../../src/core/package-root.js";

describe("packageRootFrom", () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the package at any depth: tsc's dist/gate/policy/ and the bundle's dist/cli/ alike", () => {
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), "snapgate-root-")));
    writeFileSync(path.join(dir, "package.json"), "{}");
    for (const sub of ["dist/gate/policy", "dist/cli"]) {
      mkdirSync(path.join(dir, sub), { recursive: true });
      const moduleUrl = pathToFileURL(path.join(dir, sub, "x.js")).href;
      expect(packageRootFrom(moduleUrl)).toBe(dir);
    }
  });

  it("says so when no package.json is above the module", () => {
    dir = realpathSync(mkdtempSync(path.join(tmpdir(), "snapgate-root-")));
    expect(() => packageRootFrom(pathToFileURL("/x.js").href)).toThrow(/no package\.json/);
  });

  it("is snapgate's own root from the sources", () => {
    expect(PACKAGE_ROOT).toBe(path.resolve(import.meta.dirname, "..", ".."));
  });
});
