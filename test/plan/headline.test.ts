import { describe, expect, it } from "vitest";
import type { Block, PlanBlocked } from "../../src/core/model.js";
import { IN_SYNC, planHeadline } from "../../src/plan/headline.js";

const summary = (deletions: number, blocked: number, missing: number) => ({
  live: 10,
  inScope: 10,
  desired: 1,
  deletions,
  blocked,
  missing,
});
const entry = (blockedBy: Block[]): PlanBlocked => ({
  region: "us-east-1",
  name: "x",
  reason: "not-declared",
  blockedBy,
});

describe("planHeadline", () => {
  it("says the live state matches only when nothing is deleted, blocked or missing", () => {
    expect(planHeadline({ summary: summary(0, 0, 0), blocked: [] })).toBe(IN_SYNC);
    expect(planHeadline({ summary: summary(0, 0, 1), blocked: [] })).toBe(
      "0 to delete; 1 keep name is not live — correct or remove it in keep",
    );
  });

  it("names each plan-level limit with its value and what to change", () => {
    const planLevel: Block[] = [
      { kind: "guard", message: "m", knob: "spec.guards.maxDeletions", limit: 500 },
      { kind: "guard", message: "p", knob: "spec.guards.maxDeletionPercent", limit: 25 },
    ];
    expect(planHeadline({ summary: summary(0, 300, 2), blocked: [], planLevel })).toBe(
      "0 to delete; 300 blocked by maxDeletions (500) and maxDeletionPercent (25%) — raise spec.guards.maxDeletions or split the change; raise spec.guards.maxDeletionPercent or split the change; 2 keep names are not live — correct or remove them in keep",
    );
  });

  it("counts per-candidate blocks by kind, and floors apart", () => {
    const blocked = [
      entry([{ kind: "policy", message: "young" }]),
      entry([
        { kind: "policy", message: "young" },
        { kind: "access", message: "deny" },
      ]),
      entry([{ kind: "guard", message: "min", floor: "spec.guards.minSnapshotsPerDisk" }]),
    ];
    expect(planHeadline({ summary: summary(4, 3, 0), blocked })).toBe(
      "4 to delete; 3 blocked (2 by policy, 1 by access, 1 held by a safety floor) — see the reasons under each",
    );
  });
});
