import { describe, expect, it } from "vitest";
import { buildComplianceReport } from "../../src/compliance/compliance.js";
import type { Plan } from "../../src/core/model.js";
import { daysAgo, desired, NOW, set, snap } from "../helpers/fleet.js";
import {
  CALENDAR_SET,
  calendarSeries,
  EXPECTED_CLASSES,
  instanceSnapshots,
  mixedFleet,
  POLICY_DIGEST,
  reportFor,
} from "./report-fixture.js";

const classOf = (report: ReturnType<typeof mixedFleet>["report"]) =>
  Object.fromEntries(report.snapshots.map((s) => [s.name, s.class]));
const reasonsOf = (report: ReturnType<typeof mixedFleet>["report"], name: string) =>
  report.snapshots.find((s) => s.name === name)!.reasons.map((r) => `${r.kind}: ${r.message}`);

describe("buildComplianceReport: classification", () => {
  it("puts every live snapshot, in every region, into exactly one class", () => {
    const { report, fleet } = mixedFleet();
    expect(report.snapshots).toHaveLength(fleet.length);
    expect(classOf(report)).toEqual(EXPECTED_CLASSES);
  });

  it("says why: keep, retain, drift, every block reason, scope and region", () => {
    const { report } = mixedFleet();
    expect(reasonsOf(report, "web-keep")).toEqual(["keep: named in keep"]);
    // the plan's keep reason, not a generic "kept by a retain rule"
    expect(reasonsOf(report, "db-new")).toEqual(["retain: newest 1"]);
    expect(reasonsOf(report, "db-old")).toEqual([
      expect.stringMatching(/^drift: outside-retention/),
    ]);
    expect(reasonsOf(report, "web-old")).toEqual([expect.stringMatching(/^drift: not-declared/)]);
    expect(reasonsOf(report, "web-prod")).toEqual(["access: deny rule #1 (env=prod) matches"]);
    expect(reasonsOf(report, "web-young")).toEqual(["policy: younger than minAgeDays"]);
    expect(reasonsOf(report, "web-held")).toEqual([
      "protect: protected: matches protect.matchTags (legal-hold=*)",
    ]);
    // protect plus another block is a violation, and lists both reasons
    expect(reasonsOf(report, "web-held-prod")).toEqual([
      "protect: protected: matches protect.matchTags (legal-hold=*)",
      "access: deny rule #1 (env=prod) matches",
    ]);
    expect(reasonsOf(report, "manual")).toEqual([
      "scope: does not match scope.matchTags (managed-by=snapgate)",
    ]);
    expect(reasonsOf(report, "tokyo-1")).toEqual(["region: region not configured"]);
  });

  it("names a failed scope.namePattern", () => {
    const d = desired({ scope: { matchTags: {}, namePattern: "^app-" } }, [
      set({ keep: ["app-a"] }),
    ]);
    const { report } = reportFor(d, [snap({ name: "app-a" }), snap({ name: "db-b" })]);
    expect(reasonsOf(report, "db-b")).toEqual([
      "scope: name does not match scope.namePattern (^app-)",
    ]);
  });

  it("carries the snapshot's facts and sorts by region, then name", () => {
    const { report } = mixedFleet();
    expect(report.snapshots.map((s) => `${s.region}/${s.name}`)).toEqual([
      "ap-northeast-1/tokyo-1",
      "eu-west-2/eu-keep",
      "eu-west-2/eu-stray",
      "us-east-1/db-new",
      "us-east-1/db-old",
      "us-east-1/manual",
      "us-east-1/web-held",
      "us-east-1/web-held-prod",
      "us-east-1/web-keep",
      "us-east-1/web-old",
      "us-east-1/web-prod",
      "us-east-1/web-young",
    ]);
    const dbOld = report.snapshots.find((s) => s.name === "db-old")!;
    expect(dbOld).toMatchObject({
      fromDisk: "db-data",
      createdAt: daysAgo(40),
      sizeInGb: 120,
      state: "completed",
      tags: { "managed-by": "snapgate" },
      warnings: ["large snapshot (120 GiB)"],
    });
    expect(dbOld.arn).toMatch(/^arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot\//);
    expect(report.snapshots.find((s) => s.name === "eu-stray")!.fromDisk).toBeNull();
  });

  it("lists missing declared snapshots and every policy warning", () => {
    const { report } = mixedFleet();
    expect(report.missing).toEqual([{ region: "us-east-1", name: "web-gone" }]);
    expect(report.warnings).toEqual([
      { region: "us-east-1", name: "db-old", message: "large snapshot (120 GiB)" },
      { region: "us-east-1", name: "web-young", message: "large snapshot (200 GiB)" },
    ]);
  });
});

describe("buildComplianceReport: summary and verdict", () => {
  it("counts per class, per region and per disk", () => {
    const { report } = mixedFleet();
    const s = report.summary;
    expect(s.classes).toEqual({
      desired: 3,
      "would-delete": 3,
      blocked: 2,
      held: 0,
      protected: 2,
      "out-of-scope": 2,
    });
    expect([s.live, s.inScope, s.missing, s.warnings]).toEqual([12, 10, 1, 2]);
    expect(s.byRegion.map((r) => [r.region, r.configured, r.missing, r.classes])).toEqual([
      [
        "ap-northeast-1",
        false,
        0,
        { desired: 0, "would-delete": 0, blocked: 0, held: 0, protected: 0, "out-of-scope": 1 },
      ],
      [
        "eu-west-2",
        true,
        0,
        { desired: 1, "would-delete": 1, blocked: 0, held: 0, protected: 0, "out-of-scope": 0 },
      ],
      [
        "us-east-1",
        true,
        1,
        { desired: 2, "would-delete": 2, blocked: 2, held: 0, protected: 2, "out-of-scope": 1 },
      ],
    ]);
    const disk = (region: string, name: string | null) =>
      s.byDisk.find((d) => d.region === region && d.disk === name)?.classes;
    expect(disk("us-east-1", "db-data")).toEqual({
      desired: 1,
      "would-delete": 1,
      blocked: 0,
      held: 0,
      protected: 0,
      "out-of-scope": 0,
    });
    expect(disk("us-east-1", "web-data")).toEqual({
      desired: 1,
      "would-delete": 1,
      blocked: 2,
      held: 0,
      protected: 2,
      "out-of-scope": 1,
    });
    expect(disk("eu-west-2", null)).toEqual({
      desired: 0,
      "would-delete": 1,
      blocked: 0,
      held: 0,
      protected: 0,
      "out-of-scope": 0,
    });
    expect(s.byDisk.map((d) => `${d.region}/${d.disk}`)).toEqual([
      "ap-northeast-1/jp-data",
      "eu-west-2/null",
      "eu-west-2/eu-data",
      "us-east-1/db-data",
      "us-east-1/web-data",
    ]);
  });

  it("lists configured regions that have no snapshots at all", () => {
    const { report } = reportFor(desired({}, [set({ keep: ["a"] })]), [snap({ name: "a" })]);
    expect(report.summary.byRegion.map((r) => r.region)).toEqual(["eu-west-2", "us-east-1"]);
  });

  it("is not compliant with drift, violations or missing snapshots", () => {
    expect(mixedFleet().report.compliant).toBe(false);
    const onlyMissing = reportFor(desired({}, [set({ keep: ["a", "gone"] })]), [
      snap({ name: "a" }),
    ]);
    expect(onlyMissing.report.compliant).toBe(false);
    const onlyBlocked = reportFor(desired({}, [set({ keep: ["a"] })]), [
      snap({ name: "a" }),
      snap({ name: "p", tags: { "managed-by": "snapgate", env: "prod" } }),
    ]);
    expect(onlyBlocked.report.summary.classes.blocked).toBe(1);
    expect(onlyBlocked.report.compliant).toBe(false);
  });

  it("is compliant when only desired, protected and out-of-scope snapshots exist", () => {
    const d = desired({}, [set({ keep: ["a"] })]);
    const fleet = [
      snap({ name: "a" }),
      snap({ name: "held", tags: { "managed-by": "snapgate", "legal-hold": "y" } }),
      snap({ name: "theirs", tags: {} }),
      snap({ name: "far", region: "sa-east-1" }),
    ];
    const { report } = reportFor(d, fleet);
    expect(report.summary.classes).toEqual({
      desired: 1,
      "would-delete": 0,
      blocked: 0,
      held: 0,
      protected: 1,
      "out-of-scope": 2,
    });
    expect(report.compliant).toBe(true);
  });

  it("puts a snapshot spared by a safety floor into held, with the floor, and stays compliant", () => {
    const guards = {
      maxDeletions: 50,
      maxDeletionPercent: 100,
      minSnapshotsPerDisk: 1,
      allowEmpty: true,
    };
    const { report } = reportFor(desired({ guards }, [set()]), [
      snap({ name: "only-copy", fromDiskName: "web-data", createdAt: daysAgo(30) }),
      snap({
        name: "gone-last",
        fromDiskName: "gone-disk",
        createdAt: daysAgo(30),
        tags: { "managed-by": "snapgate", "last-copy": "yes" },
      }),
    ]);
    expect(report.snapshots.map((s) => [s.name, s.class, s.reasons])).toEqual([
      [
        "gone-last",
        "held",
        [
          expect.objectContaining({ kind: "guard", floor: "spec.guards.minSnapshotsPerDisk" }),
          { kind: "policy", message: "last remaining copy of deleted disk", floor: "policy" },
        ],
      ],
      [
        "only-copy",
        "held",
        [expect.objectContaining({ kind: "guard", floor: "spec.guards.minSnapshotsPerDisk" })],
      ],
    ]);
    expect(report.summary.classes.held).toBe(2);
    expect(report.compliant).toBe(true);
  });

  it("a held snapshot that something else also blocks is blocked, not held", () => {
    const guards = {
      maxDeletions: 50,
      maxDeletionPercent: 100,
      minSnapshotsPerDisk: 1,
      allowEmpty: true,
    };
    const { report } = reportFor(desired({ guards }, [set()]), [
      snap({
        name: "prod-copy",
        createdAt: daysAgo(30),
        tags: { "managed-by": "snapgate", env: "prod" },
      }),
    ]);
    expect(report.snapshots.map((s) => [s.class, s.reasons.map((r) => r.kind)])).toEqual([
      ["blocked", ["guard", "access"]],
    ]);
    expect(report.compliant).toBe(false);
  });

  it("reports every candidate blocked when a plan-level guard trips", () => {
    const guards = {
      maxDeletions: 1,
      maxDeletionPercent: 100,
      minSnapshotsPerDisk: 0,
      allowEmpty: true,
    };
    const { report } = reportFor(desired({ guards }, [set()]), [
      snap({ name: "x" }),
      snap({ name: "y" }),
    ]);
    expect(report.snapshots.map((s) => [s.class, s.reasons[0]!.message.split(":")[0]])).toEqual([
      ["blocked", "maxDeletions"],
      ["blocked", "maxDeletions"],
    ]);
  });
});

describe("buildComplianceReport: document", () => {
  it("has the stable header fields", () => {
    const { report, plan } = mixedFleet();
    expect(report).toMatchObject({
      schemaVersion: 2,
      generatedAt: new Date(NOW).toISOString(),
      source: { repo: "https://git.example/fleet.git", ref: "main", commit: plan.source.commit },
      account: "111122223333",
      regions: ["us-east-1", "eu-west-2"],
      policy: { bundle: "builtin", digest: POLICY_DIGEST },
      planDigest: plan.digest,
    });
    expect(Object.keys(report)).toEqual([
      "schemaVersion",
      "generatedAt",
      "compliant",
      "source",
      "account",
      "regions",
      "policy",
      "planDigest",
      "summary",
      "snapshots",
      "missing",
      "warnings",
      "freshness",
      "deletedOutside",
    ]);
  });

  it("is deterministic: the same inputs give byte-identical JSON", () => {
    const a = mixedFleet();
    const again = buildComplianceReport({
      plan: a.plan,
      inventory: a.inventory,
      diff: a.diff,
      desired: a.desired,
      nowMs: NOW,
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(a.report));
  });

  it("fails closed: an in-scope candidate the plan does not account for is blocked", () => {
    const a = mixedFleet();
    const plan: Plan = {
      ...a.plan,
      deletions: a.plan.deletions.filter((x) => x.name !== "web-old"),
    };
    const report = buildComplianceReport({
      plan,
      inventory: a.inventory,
      diff: a.diff,
      desired: a.desired,
      nowMs: NOW,
    });
    const webOld = report.snapshots.find((s) => s.name === "web-old")!;
    expect(webOld.class).toBe("blocked");
    expect(webOld.reasons).toEqual([
      { kind: "guard", message: "not accounted for by the plan (not-declared)" },
    ]);
  });
});

describe("buildComplianceReport: keep reasons", () => {
  it("gives every desired snapshot the plan's reasons and the unit that colours it", () => {
    const { report, plan } = reportFor(desired({}, [CALENDAR_SET]), calendarSeries());
    const kept = report.snapshots.filter((s) => s.class === "desired");
    expect(kept.map((s) => [s.name, s.keepReasons])).toEqual(
      (plan.kept ?? []).map((k) => [k.name, k.reasons]),
    );
    const byName = Object.fromEntries(report.snapshots.map((s) => [s.name, s]));
    // 2026-11-26T20:00Z, the newest: every unit keeps it; the coarsest colours it
    expect(byName["cal-data-00"]).toMatchObject({
      keepReasons: ["daily 2026-11-26", "weekly 2026-W48", "monthly 2026-11", "yearly 2026"],
      keptBy: "yearly",
    });
    expect(reasonsOf(report, "cal-data-00")).toEqual([
      "retain: daily 2026-11-26",
      "retain: weekly 2026-W48",
      "retain: monthly 2026-11",
      "retain: yearly 2026",
    ]);
    expect(byName["cal-data-01"]).toMatchObject({
      keepReasons: ["daily 2026-11-25"],
      keptBy: "daily",
    });
    // Sunday 2026-11-22 closes 2026-W47
    expect(byName["cal-data-04"]).toMatchObject({ keptBy: "weekly" });
    // 2026-10-31, the newest of October
    expect(byName["cal-data-26"]).toMatchObject({
      keepReasons: ["monthly 2026-10"],
      keptBy: "monthly",
    });
    const gone = report.snapshots.filter((s) => s.class !== "desired");
    expect(gone.length).toBeGreaterThan(0);
    for (const s of gone) expect([s.name, s.keepReasons, s.keptBy]).toEqual([s.name, [], null]);
  });

  it("colours a snapshot named in keep as keep, and one kept by newest as another rule", () => {
    const { report } = mixedFleet();
    const byName = Object.fromEntries(report.snapshots.map((s) => [s.name, s]));
    expect(byName["web-keep"]).toMatchObject({ keepReasons: ["keep"], keptBy: "keep" });
    expect(byName["db-new"]).toMatchObject({ keepReasons: ["newest 1"], keptBy: "rule" });
  });
});

describe("buildComplianceReport: instance sources", () => {
  it("names an instance snapshot's instance and gives each source its own summary row", () => {
    const d = desired({}, [set({ retain: [{ fromInstance: "app-1", newest: 1 }] })]);
    const fleet = [...instanceSnapshots(), snap({ name: "disk-1", fromDiskName: "app-1" })];
    const { report } = reportFor(d, fleet);
    const byName = Object.fromEntries(report.snapshots.map((s) => [s.name, s]));
    expect(byName["app-1-system-1"]).toMatchObject({
      fromDisk: null,
      fromInstance: "app-1",
      class: "desired",
      keepReasons: ["newest 1"],
    });
    expect(byName["app-1-system-20"]).toMatchObject({
      fromInstance: "app-1",
      class: "would-delete",
    });
    expect(byName["disk-1"]).toMatchObject({ fromDisk: "app-1", fromInstance: null });
    // the disk app-1 and the instance app-1 are two sources
    expect(report.summary.byDisk.map((r) => [r.disk, r.instance, r.classes.desired])).toEqual([
      [null, "app-1", 1],
      ["app-1", null, 0],
    ]);
  });
});
