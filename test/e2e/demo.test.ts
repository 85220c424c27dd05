/** The README's first command: the demo runs the whole flow on a fresh machine. */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const DEMO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "dist",
  "demo",
  "main.js",
);

function runDemo(): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], {
      env: { ...process.env, NODE_NO_WARNINGS: "1" },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("npm run demo", () => {
  it("plans, applies, audits and verifies the audit log, and says where everything is", async () => {
    const { code, out } = await runDemo();
    expect(code).toBe(0);
    expect(out).toContain("Plan: 5 to delete, 5 blocked, 1 missing");
    expect(out).toMatch(/access: access deny rule #1 \(env=prod\) matches/);
    expect(out).toMatch(/policy: .*younger than minAgeDays \(7\)/);
    expect(out).toMatch(/protect: protected: matches protect\.matchTags \(legal-hold=\*\)/);
    expect(out).toContain("Apply: 5 deleted, 0 already absent, 0 skipped, 0 denied, 0 failed.");
    expect(out).toMatch(
      /NOT COMPLIANT\n\s+20 live snapshots: 14 desired, 0 would be deleted, 4 blocked, 1 protected/,
    );
    expect(out).toMatch(/audit\.jsonl: intact, \d+ records/);
    const reports = /reports\s+(\S+)\/report\.\{json,md,html\}/.exec(out)?.[1];
    expect(reports).toBeDefined();
    for (const f of ["report.json", "report.md", "report.html", "junit.xml"]) {
      expect(existsSync(path.join(reports!, f))).toBe(true);
    }
  });
});
