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
    // 5 web-data nights/weeks/months of the calendar rotation, 1 web-1 instance snapshot, 2 db
    expect(out).toContain("Plan: 8 to delete, 4 blocked, 1 missing");
    // the reasons: counts per reason, every kept snapshot (--show-kept), and explain
    expect(out).toMatch(/^ {2}weekly {7}4$/m);
    expect(out).toMatch(
      /= us-east-1 {2}web-data-2026-11-19 {3}daily 2026-11-19, weekly 2026-W47, monthly 2026-11/,
    );
    expect(out).toMatch(/= us-east-1 {2}web-1-system-1 +daily \d{4}-\d{2}-\d{2}/);
    expect(out).toContain("us-east-1/web-data-2026-11-08: kept: weekly 2026-W45");
    expect(out).toMatch(
      /us-east-1\/web-data-2026-11-12: proposed for deletion \(outside-retention\)/,
    );
    expect(out).toMatch(/access: access deny rule #1 \(env=prod\) matches/);
    expect(out).toMatch(/policy: .*younger than minAgeDays \(7\)/);
    expect(out).toMatch(/protect: protected: matches protect\.matchTags \(legal-hold=\*\)/);
    expect(out).toContain("Apply: 8 deleted, 0 already absent, 0 skipped, 0 denied, 0 failed.");
    expect(out).toMatch(
      /NOT COMPLIANT\n\s+32 live snapshots: 27 desired, 0 would be deleted, 3 blocked, 1 protected/,
    );
    expect(out).toMatch(/audit\.jsonl: intact, \d+ records/);
    const reports = /reports\s+(\S+)\/report\.\{json,md,html\}/.exec(out)?.[1];
    expect(reports).toBeDefined();
    for (const f of ["report.json", "report.md", "report.html", "junit.xml"]) {
      expect(existsSync(path.join(reports!, f))).toBe(true);
    }
  });
});
