import { describe, expect, it } from "vitest";
import { MARKDOWN_LIMIT } from "../../src/core/markdown.js";
import type { Inventory, LiveSnapshot, Plan } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { runGate } from "../../src/gate/gate.js";
import { buildPlan } from "../../src/plan/build.js";
import { planDigest } from "../../src/plan/digest.js";
import { renderGithub } from "../../src/plan/render-github.js";
import { renderMarkdown } from "../../src/plan/render-markdown.js";
import { renderText } from "../../src/plan/render-text.js";
import { daysAgo, desired, NOW, set, snap } from "../helpers/fleet.js";

function planOf(snapshots: LiveSnapshot[], keep: string[] = [], onBase?: Set<string>): Plan {
  const d = desired({}, [set({ keep })]);
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  const result = diff(d, inventory, NOW);
  const decisions = runGate(
    { desired: d, inventory, diff: result, commit: "a".repeat(40), nowMs: NOW },
    {
      policy: {
        evaluate: (i) =>
          i.snapshot.name.startsWith("young")
            ? { deny: [`${i.snapshot.name} is too young`], warn: [] }
            : { deny: [], warn: i.snapshot.sizeInGb > 100 ? ["large"] : [] },
      },
      access: () => ({ allowed: true }),
    },
  );
  return buildPlan({
    source: {
      repo: "/repo",
      ref: "main",
      commit: "a".repeat(40),
      base: onBase ? "b".repeat(40) : null,
    },
    account: d.spec.account,
    regions: d.spec.regions,
    policy: { bundle: "builtin", digest: `sha256:${"c".repeat(64)}` },
    inventory,
    diff: result,
    decisions,
    nowMs: NOW,
    ...(onBase ? { onBase } : {}),
  });
}

const fleet = () => [
  snap({ name: "keep-me", createdAt: daysAgo(1) }),
  snap({ name: "old-1", createdAt: daysAgo(30), sizeInGb: 200 }),
  snap({ name: "young-1", createdAt: daysAgo(2) }),
  snap({
    name: "held",
    createdAt: daysAgo(50),
    tags: { "managed-by": "snapgate", "legal-hold": "x" },
  }),
];

describe("plan document", () => {
  it("carries a digest of everything else and a fingerprint per deletion", () => {
    const p = planOf(fleet(), ["keep-me", "missing-1"]);
    expect(p.digest).toBe(planDigest(p));
    expect(p.deletions.map((d) => d.name)).toEqual(["old-1"]);
    expect(p.deletions[0]!.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(p.deletions[0]!.warnings).toEqual(["large"]);
    expect(p.missing).toEqual([{ region: "us-east-1", name: "missing-1" }]);
    expect(p.summary).toEqual({
      live: 4,
      inScope: 4,
      desired: 1,
      deletions: 1,
      blocked: 2,
      missing: 1,
    });
  });
});

describe("text renderer", () => {
  it("shows one line per snapshot with age, size and reason, every block reason, and the summary", () => {
    const out = renderText(planOf(fleet(), ["keep-me", "missing-1"]), {
      color: false,
      planFile: "plan.json",
    });
    expect(out).toMatch(/- us-east-1\s+old-1\s+30d\s+200 GiB\s+not-declared/);
    expect(out).toMatch(/warning: large/);
    expect(out).toMatch(/x us-east-1\s+young-1\s+2d/);
    expect(out).toContain("policy: young-1 is too young");
    expect(out).toContain("protect: protected");
    expect(out).toContain("? us-east-1  missing-1");
    expect(out).toContain(
      "Plan: 1 to delete, 2 blocked, 1 missing (live 4, in scope 4, desired 1).",
    );
    expect(out).toContain("snapgate apply plan.json");
    expect(out).not.toContain("\u001b[");
  });

  it("colours only when asked", () => {
    expect(renderText(planOf(fleet()), { color: true })).toContain("\u001b[31m");
  });
});

describe("markdown renderer", () => {
  it("has a summary table, collapsible regions, blocked reasons, missing, digest and the apply command", () => {
    const p = planOf(fleet(), ["keep-me", "missing-1"]);
    const md = renderMarkdown(p, { planFile: "plan.json" });
    expect(md).toContain("| :wastebasket: will delete | **1** |");
    expect(md).toContain("<details><summary>us-east-1: 1 to delete</summary>");
    expect(md).toContain("**policy**: young-1 is too young");
    expect(md).toContain("- `us-east-1` `missing-1`");
    expect(md).toContain(p.digest);
    expect(md).toContain("snapgate apply plan.json");
  });

  it("separates deletions introduced by a PR from those already pending on base", () => {
    const s = [
      snap({ name: "new-del", createdAt: daysAgo(30) }),
      snap({ name: "old-del", createdAt: daysAgo(30) }),
      snap({ name: "k" }),
    ];
    const md = renderMarkdown(planOf(s, ["k"], new Set(["us-east-1/old-del"])));
    expect(md).toContain("(1 introduced by this change)");
    const introduced = md.indexOf("#### Deletions introduced by this change");
    const pending = md.indexOf("#### Deletions already pending on base");
    expect(introduced).toBeGreaterThan(0);
    expect(pending).toBeGreaterThan(introduced);
    expect(md.slice(introduced, pending)).toContain("new-del");
    expect(md.slice(pending)).toContain("old-del");
  });

  it("stays under the comment limit with an explicit truncation note", () => {
    const many = Array.from({ length: 3000 }, (_, i) =>
      snap({ name: `snapshot-with-a-long-name-${i}`, createdAt: daysAgo(30) }),
    );
    const md = renderMarkdown(planOf([...many, snap({ name: "k" })], ["k"]));
    expect(md.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(md).toMatch(/Truncated:\*\* \d+ rows are not shown/);
    expect(md).toContain("Plan digest:");
  });
});

describe("github renderer", () => {
  it("emits a warning annotation per blocked deletion with escaped data", () => {
    const out = renderGithub(planOf(fleet(), ["keep-me"]));
    expect(out).toContain(
      "::warning title=snapgate%3A deletion of us-east-1/young-1 blocked::policy: young-1 is too young",
    );
    expect(out.split("\n").filter((l) => l.startsWith("::warning")).length).toBe(2);
    expect(out).toContain("::notice title=snapgate%3A will delete us-east-1/old-1::");
  });
});
