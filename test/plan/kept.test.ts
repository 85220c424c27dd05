import { describe, expect, it } from "vitest";
import type { Inventory, LiveSnapshot, Plan, RetainRule } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { runGate } from "../../src/gate/gate.js";
import { buildPlan, serializePlan } from "../../src/plan/build.js";
import { withDigest } from "../../src/plan/digest.js";
import { parsePlan } from "../../src/plan/plan-file.js";
import { renderMarkdown } from "../../src/plan/render-markdown.js";
import { renderText } from "../../src/plan/render-text.js";
import { desired, NOW, set, snap } from "../helpers/fleet.js";

const HOUR = 3_600_000;

function planOf(snapshots: LiveSnapshot[], retain: RetainRule[], keep: string[] = []): Plan {
  const d = desired({}, [set({ retain, keep })]);
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  const result = diff(d, inventory, NOW);
  const decisions = runGate(
    { desired: d, inventory, diff: result, commit: "a".repeat(40), nowMs: NOW },
    { policy: { evaluate: () => ({ deny: [], warn: [] }) }, access: () => ({ allowed: true }) },
  );
  return buildPlan({
    source: { repo: "/repo", ref: "main", commit: "a".repeat(40), base: null },
    account: d.spec.account,
    regions: d.spec.regions,
    policy: { bundle: "builtin", digest: `sha256:${"c".repeat(64)}` },
    inventory,
    diff: result,
    decisions,
    nowMs: NOW,
  });
}

/** 30 daily snapshots at 03:00 UTC, the newest on 2026-11-26, plus a hand-kept one. */
function fleet(): LiveSnapshot[] {
  const newest = Date.parse("2026-11-26T03:00:00Z");
  const out = Array.from({ length: 30 }, (_, i) =>
    snap({
      name: `web-${String(i).padStart(2, "0")}`,
      createdAt: new Date(newest - i * 24 * HOUR).toISOString(),
    }),
  );
  out.push(snap({ name: "golden", createdAt: "2025-01-01T00:00:00.000Z", fromDiskName: "other" }));
  return out;
}

const RULES: RetainRule[] = [
  { fromDisk: "web-data", newest: 2, calendar: { timezone: "UTC", daily: 3, weekly: 2 } },
];

describe("kept snapshots in the plan", () => {
  it("lists every desired snapshot with its reasons inside the digest", () => {
    const plan = planOf(fleet(), RULES, ["golden"]);
    expect(plan.kept).toStrictEqual([
      { region: "us-east-1", name: "golden", reasons: ["keep"] },
      {
        region: "us-east-1",
        name: "web-00",
        reasons: ["newest 2", "daily 2026-11-26", "weekly 2026-W48"],
      },
      { region: "us-east-1", name: "web-01", reasons: ["newest 2", "daily 2026-11-25"] },
      { region: "us-east-1", name: "web-02", reasons: ["daily 2026-11-24"] },
      { region: "us-east-1", name: "web-04", reasons: ["weekly 2026-W47"] },
    ]);
    expect(plan.summary.desired).toBe(5);
    // The digest covers kept: a changed reason is a changed plan.
    const edited = JSON.parse(serializePlan(plan)) as Plan;
    (edited.kept![0]!.reasons as string[])[0] = "newest 99";
    expect(() => parsePlan("plan.json", JSON.stringify(edited))).toThrow(/digest does not match/);
    expect(parsePlan("plan.json", serializePlan(plan)).kept).toStrictEqual(plan.kept);
  });

  it("still reads a formatVersion 1 plan written before kept existed", () => {
    const { kept: _kept, digest: _digest, ...older } = planOf(fleet(), RULES);
    const plan = withDigest(older);
    expect(parsePlan("old.json", serializePlan(plan)).kept).toBeUndefined();
    expect(renderText(plan, { color: false })).not.toContain("Kept");
  });

  it("prints one count per reason in the text plan, and every kept snapshot with --show-kept", () => {
    const plan = planOf(fleet(), RULES, ["golden"]);
    const text = renderText(plan, { color: false });
    expect(text).toContain(
      "Kept (5), snapshots per reason:\n  keep      1\n  newest 2  2\n  daily     3\n  weekly    2\n",
    );
    expect(text).not.toContain("= us-east-1");
    const shown = renderText(plan, { color: false, showKept: true });
    expect(shown).toMatch(/= us-east-1\s+web-00\s+newest 2, daily 2026-11-26, weekly 2026-W48\n/);
    expect(shown).toMatch(/= us-east-1\s+golden\s+keep\n/);
  });

  it("puts the kept list in a collapsed details block of the PR comment, cut before any deletion", () => {
    const plan = planOf(fleet(), RULES, ["golden"]);
    const md = renderMarkdown(plan);
    expect(md).toContain(
      "<details><summary>Kept: 5 snapshots (keep: 1 · newest 2: 2 · daily: 3 · weekly: 2)</summary>",
    );
    expect(md).toContain("| us-east-1 | `web-00` | newest 2, daily 2026-11-26, weekly 2026-W48 |");

    // A tight limit drops kept rows first: every deletion row survives.
    const many = Array.from({ length: 400 }, (_, i) =>
      snap({ name: `k-${i}`, createdAt: new Date(NOW - i * HOUR).toISOString() }),
    );
    const big = planOf(
      [...many, snap({ name: "old-1", fromDiskName: "other" })],
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", hourly: "all" } }],
    );
    const tight = renderMarkdown(big, { limit: 6000 });
    expect(tight.length).toBeLessThanOrEqual(6000);
    expect(tight).toContain("| `old-1` |");
    expect(tight).toMatch(/\d+ more not shown to stay under the comment size limit/);
    expect(tight).not.toContain("Truncated");
  });
});
