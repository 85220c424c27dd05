/**
 * examples/prometheus: the alert rules use only metrics serve exports, with
 * the labels it gives them, and promtool accepts them (`check rules`) and
 * fires them as expected for serve's series (`test rules`). promtool is built
 * by scripts/install-promtool.sh (CI runs it); in CI a missing promtool
 * fails, elsewhere its checks are skipped with a message saying how to get it.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetrics } from "../../src/serve/metrics.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = path.join(ROOT, "examples/prometheus");
const RULES = path.join(DIR, "snapgate-alerts.yaml");
const PROMTOOL = path.join(ROOT, ".tools/bin/promtool");
const HAVE_PROMTOOL = existsSync(PROMTOOL);

if (!HAVE_PROMTOOL)
  console.warn(
    `${PROMTOOL} not found: promtool checks skipped (bash scripts/install-promtool.sh builds it)`,
  );

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd: DIR, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        out: stdout + stderr,
      }),
    );
  });
}

interface Rule {
  alert: string;
  expr: string;
}

describe("examples/prometheus alert rules", () => {
  it("use only metrics and labels that serve exports after a reconcile", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.recordFreshness({
      sources: [
        {
          region: "us-east-1",
          kind: "disk",
          source: "db-data",
          status: "stale",
          newestAgeSeconds: 108000,
        },
      ],
      deletedOutside: 1,
    });
    const exposition = await metrics.render();
    const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const doc = parse(await readFile(RULES, "utf8")) as { groups: { rules: Rule[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      "SnapgateBackupStale",
      "SnapgateBackupMissing",
      "SnapgateBackupAging",
      "SnapgateNewestSnapshotOlderThanTwoDays",
      "SnapgateSnapshotDeletedOutside",
    ]);
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/\bsnapgate_[a-z_]+/g)].map((m) => m[0]);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names)
        expect([rule.alert, exported.has(name)]).toEqual([rule.alert, true]);
    }
    expect(exposition).toContain(
      'snapgate_source_freshness_status{region="us-east-1",kind="disk",source="db-data",status="stale"} 1',
    );
  });

  it("pass promtool check rules and promtool test rules", async (ctx) => {
    if (!HAVE_PROMTOOL) {
      if (process.env.CI === "true")
        throw new Error(`${PROMTOOL} missing in CI: .ci/run builds it`);
      ctx.skip();
    }
    const check = await promtool(["check", "rules", "snapgate-alerts.yaml"]);
    expect(check.out).toContain("SUCCESS: 5 rules found");
    expect(check.code).toBe(0);
    const test = await promtool(["test", "rules", "snapgate-alerts-cases.yaml"]);
    expect(test.out).toContain("SUCCESS");
    expect(test.code).toBe(0);
  });
});
