/**
 * The CLI loads only the command it runs (src/cli/main.ts): every way in still reaches the
 * right command, with the same help and errors as when all were loaded up front.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, runCli } from "../helpers/cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("CLI start-up routing", () => {
  it("--version and -V print the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
  });

  it("the installed bin answers --version and -V by itself, and passes anything else on", async () => {
    const bin = path.join(path.dirname(CLI), "bin.js");
    for (const flag of ["--version", "-V"]) {
      const r = spawnSync(process.execPath, [bin, flag], { encoding: "utf8" });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${pkg.version}\n`);
    }
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Usage: snapgate");
  });

  it("a command's --help shows that command's options", async () => {
    const r = await runCli(["plan", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: snapgate plan [options]");
    expect(r.stdout).toContain("--detailed-exitcode");
  });

  it("`help <command>` and subcommands of a command still resolve", async () => {
    const h = await runCli(["help", "show"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("Usage: snapgate show [options] <plan>");
    const v = await runCli(["audit-log", "--help"]);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain("verify");
  });

  it("a mistyped command gets exit 1 and a suggestion", async () => {
    const r = await runCli(["plam"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown command 'plam'");
    expect(r.stderr).toContain("Did you mean plan?");
  });

  it("--help before a command is the top-level help, listing every command", async () => {
    const r = await runCli(["--help", "emulator"]);
    expect(r.code).toBe(0);
    for (const cmd of [
      "plan",
      "apply",
      "explain",
      "show",
      "audit",
      "serve",
      "emulator",
      "iam-policy",
    ])
      expect(r.stdout).toMatch(new RegExp(`^  ${cmd} `, "m"));
  });
});
