import { describe, expect, it } from "vitest";
import type { DesiredState, Inventory, LiveSnapshot, PolicyInput } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { type GateDeps, gate as gateWithPlanLevel, runGate } from "../../src/gate/gate.js";
import { ACCOUNT, daysAgo, desired, NOW, set, snap } from "../helpers/fleet.js";

const allowAll: GateDeps = {
  policy: { evaluate: () => ({ deny: [], warn: [] }) },
  access: () => ({ allowed: true }),
};

function gate(d: DesiredState, snapshots: LiveSnapshot[], deps: GateDeps = allowAll) {
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  const result = diff(d, inventory, NOW);
  const decisions = runGate(
    { desired: d, inventory, diff: result, commit: "abc", nowMs: NOW },
    deps,
  );
  const summary = Object.fromEntries(
    decisions.map((x) => [
      x.candidate.snapshot.name,
      x.blockedBy.map((b) => `${b.kind}: ${b.message}`),
    ]),
  );
  return { decisions, summary };
}

const fleetOf = (n: number) =>
  Array.from({ length: n }, (_, i) => snap({ name: `s-${i}`, createdAt: daysAgo(i + 1) }));

describe("gate: protect", () => {
  it("blocks protected candidates whatever git says", () => {
    const { summary } = gate(desired({}, [set()]), [
      snap({ name: "held", tags: { "managed-by": "snapgate", "legal-hold": "2026" } }),
      snap({ name: "free" }),
    ]);
    expect(summary.free).toEqual([]);
    expect(summary.held).toEqual(["protect: protected: matches protect.matchTags (legal-hold=*)"]);
  });
});

describe("gate: plan-level guards block every candidate", () => {
  it("maxDeletions", () => {
    const { decisions } = gate(
      desired(
        {
          guards: {
            maxDeletions: 2,
            maxDeletionPercent: 100,
            minSnapshotsPerDisk: 0,
            allowEmpty: true,
          },
        },
        [set()],
      ),
      fleetOf(3),
    );
    expect(decisions).toHaveLength(3);
    for (const d of decisions)
      expect(d.blockedBy.map((b) => b.message)).toEqual([
        expect.stringMatching(/^maxDeletions: the plan would delete 3 snapshots/),
      ]);
  });

  it("maxDeletions counts only what protect left deletable", () => {
    const fleet = [
      ...fleetOf(2),
      snap({ name: "held", tags: { "managed-by": "snapgate", "legal-hold": "x" } }),
    ];
    const { summary } = gate(
      desired(
        {
          guards: {
            maxDeletions: 2,
            maxDeletionPercent: 100,
            minSnapshotsPerDisk: 0,
            allowEmpty: true,
          },
        },
        [set()],
      ),
      fleet,
    );
    expect(summary["s-0"]).toEqual([]);
    expect(summary.held).toHaveLength(1);
  });

  it("maxDeletionPercent of in-scope snapshots", () => {
    const fleet = fleetOf(4);
    const { summary } = gate(
      desired(
        {
          guards: {
            maxDeletions: 50,
            maxDeletionPercent: 25,
            minSnapshotsPerDisk: 0,
            allowEmpty: true,
          },
        },
        [set({ keep: ["s-0", "s-1"] })],
      ),
      fleet,
    );
    expect(summary["s-2"]).toEqual([
      expect.stringContaining(
        "maxDeletionPercent: the plan would delete 50.0% of in-scope snapshots (2/4)",
      ),
    ]);
  });

  it("allowEmpty: an empty desired set never becomes mass deletion", () => {
    const { decisions } = gate(
      desired(
        {
          guards: {
            maxDeletions: 50,
            maxDeletionPercent: 100,
            minSnapshotsPerDisk: 0,
            allowEmpty: false,
          },
        },
        [],
      ),
      fleetOf(3),
    );
    expect(
      decisions.every((d) => d.blockedBy.some((b) => b.message.startsWith("allowEmpty:"))),
    ).toBe(true);
  });

  it("allowEmpty: false does not block when something is desired", () => {
    const { summary } = gate(
      desired(
        {
          guards: {
            maxDeletions: 50,
            maxDeletionPercent: 100,
            minSnapshotsPerDisk: 0,
            allowEmpty: false,
          },
        },
        [set({ keep: ["s-0"] })],
      ),
      fleetOf(2),
    );
    expect(summary["s-1"]).toEqual([]);
  });
});

describe("gate: minSnapshotsPerDisk", () => {
  const guards = {
    maxDeletions: 50,
    maxDeletionPercent: 100,
    minSnapshotsPerDisk: 2,
    allowEmpty: true,
  };

  it("spares the newest completed candidates until enough remain", () => {
    const fleet = [
      snap({ name: "keep", createdAt: daysAgo(1) }),
      snap({ name: "c2", createdAt: daysAgo(2) }),
      snap({ name: "c3", createdAt: daysAgo(3) }),
    ];
    const { summary } = gate(desired({ guards }, [set({ keep: ["keep"] })]), fleet);
    expect(summary.c2).toEqual([
      expect.stringContaining(
        "minSnapshotsPerDisk: deleting it would leave web-data with fewer than 2",
      ),
    ]);
    expect(summary.c3).toEqual([]);
  });

  it("does not count pending or errored snapshots as remaining backups", () => {
    const fleet = [
      snap({ name: "keep-pending", state: "pending", createdAt: daysAgo(1) }),
      snap({ name: "c2", createdAt: daysAgo(2) }),
    ];
    const { summary } = gate(
      desired({ guards: { ...guards, minSnapshotsPerDisk: 1 } }, [set({ keep: ["keep-pending"] })]),
      fleet,
    );
    expect(summary.c2).toEqual([expect.stringContaining("minSnapshotsPerDisk")]);
  });

  it("counts out-of-scope snapshots of the same disk as remaining", () => {
    const fleet = [snap({ name: "manual", tags: {} }), snap({ name: "c1" })];
    const { summary } = gate(
      desired({ guards: { ...guards, minSnapshotsPerDisk: 1 } }, [set()]),
      fleet,
    );
    expect(summary.c1).toEqual([]);
  });
});

describe("gate: ownership", () => {
  it("blocks a candidate whose ARN belongs to another account", () => {
    const s = snap({ name: "foreign" });
    const foreign = { ...s, arn: s.arn.replace(ACCOUNT, "999999999999") };
    const { summary } = gate(desired({}, [set()]), [foreign]);
    expect(summary.foreign).toEqual([
      "guard: account: ARN belongs to account 999999999999, not 111122223333",
    ]);
  });
});

describe("gate: policy and access", () => {
  it("records every reason from every stage and approves only when none blocks", () => {
    const deps: GateDeps = {
      policy: {
        evaluate: (input: PolicyInput) =>
          input.snapshot.name === "p"
            ? { deny: ["too young"], warn: ["big"] }
            : { deny: [], warn: [] },
      },
      access: (s) =>
        s.name === "p" || s.name === "a"
          ? { allowed: false, reasons: ["deny rule #1"] }
          : { allowed: true },
    };
    const { decisions, summary } = gate(
      desired({}, [set()]),
      [snap({ name: "p" }), snap({ name: "a" }), snap({ name: "ok" })],
      deps,
    );
    expect(summary).toEqual({
      a: ["access: deny rule #1"],
      ok: [],
      p: ["policy: too young", "access: deny rule #1"],
    });
    expect(decisions.find((d) => d.candidate.snapshot.name === "p")?.warnings).toEqual(["big"]);
  });

  it("fails closed: a policy that throws or reports an error blocks, never approves", () => {
    const throwing: GateDeps = {
      ...allowAll,
      policy: {
        evaluate: () => {
          throw "opa_malloc: failed";
        },
      },
    };
    expect(gate(desired({}, [set()]), [snap({ name: "x" })], throwing).summary.x).toEqual([
      "policy: policy error: opa_malloc: failed",
    ]);
    const erroring: GateDeps = {
      ...allowAll,
      policy: { evaluate: () => ({ deny: [], warn: [], error: "rule conflict" }) },
    };
    expect(gate(desired({}, [set()]), [snap({ name: "x" })], erroring).summary.x).toEqual([
      "policy: policy error: rule conflict",
    ]);
    const accessThrows: GateDeps = {
      ...allowAll,
      access: () => {
        throw new Error("bad doc");
      },
    };
    expect(gate(desired({}, [set()]), [snap({ name: "x" })], accessThrows).summary.x).toEqual([
      "access: access check error: bad doc",
    ]);
  });

  it("gives the policy the siblings, disk and plan facts of SPEC §5", () => {
    const seen: PolicyInput[] = [];
    const deps: GateDeps = {
      ...allowAll,
      policy: {
        evaluate: (i) => {
          seen.push(i);
          return { deny: [], warn: [] };
        },
      },
    };
    const fleet = [
      snap({ name: "keep", createdAt: daysAgo(1) }),
      snap({ name: "old", createdAt: daysAgo(10) }),
      snap({
        name: "held",
        createdAt: daysAgo(20),
        tags: { "managed-by": "snapgate", "legal-hold": "y" },
      }),
    ];
    gate(desired({}, [set({ keep: ["keep"] })]), fleet, deps);
    const old = seen.find((i) => i.snapshot.name === "old")!;
    expect(old.siblings).toEqual({ total: 3, remainingAfterPlan: 2, newest: "keep" });
    expect(old.plan).toEqual({ deletions: 1, inScope: 3, commit: "abc" });
    expect(old.snapshot.ageDays).toBe(10);
    expect(old.disk).toBeNull();
    expect(old.now).toBe("2026-11-27T08:00:00.000Z");
  });
});

describe("gate: the policy's plan-level denials and safety floors", () => {
  const open = {
    maxDeletions: 50,
    maxDeletionPercent: 100,
    minSnapshotsPerDisk: 0,
    allowEmpty: true,
  };

  it("hands spec.guards to the policy as input.guards", () => {
    const seen: PolicyInput["guards"][] = [];
    const d = desired({ guards: { ...open, maxDeletions: 7 } }, [set()]);
    gate(d, fleetOf(1), {
      policy: {
        evaluate: (input) => {
          seen.push(input.guards);
          return { deny: [], warn: [] };
        },
      },
      access: () => ({ allowed: true }),
    });
    expect(seen).toEqual([{ maxDeletions: 7, maxDeletionPercent: 100, minSnapshotsPerDisk: 0 }]);
  });

  it("a 'plan:' denial every candidate gets is plan-level; one only some get is not", () => {
    const d = desired({ guards: open }, [set()]);
    const inventory: Inventory = { regions: d.spec.regions, snapshots: fleetOf(3), disks: [] };
    const result = diff(d, inventory, NOW);
    const deps: GateDeps = {
      policy: {
        evaluate: (input) => ({
          deny: ["plan: too big", ...(input.snapshot.name === "s-0" ? ["plan: only for s-0"] : [])],
          warn: [],
        }),
      },
      access: () => ({ allowed: true }),
    };
    const out = gateWithPlanLevel(
      { desired: d, inventory, diff: result, commit: "abc", nowMs: NOW },
      deps,
    );
    expect(out.planLevel).toEqual([{ kind: "policy", message: "plan: too big" }]);
    expect(out.decisions.every((x) => x.blockedBy.some((b) => b.message === "plan: too big"))).toBe(
      true,
    );
  });

  it("a held denial is a block marked as a floor; a hold the policy did not deny still blocks", () => {
    const { decisions } = gate(desired({ guards: open }, [set()]), fleetOf(1), {
      policy: { evaluate: () => ({ deny: ["a"], warn: [], hold: ["a", "b"] }) },
      access: () => ({ allowed: true }),
    });
    expect(decisions[0]?.blockedBy).toEqual([
      { kind: "policy", message: "a", floor: "policy" },
      { kind: "policy", message: "b", floor: "policy" },
    ]);
  });
});
