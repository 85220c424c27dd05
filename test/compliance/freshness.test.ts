/** Freshness, coverage, orphaned sources and deleted-outside in the compliance report. */
import { describe, expect, it } from "vitest";
import { complianceFindings } from "../../src/compliance/findings.js";
import { renderJunit } from "../../src/compliance/report-junit.js";
import { renderReportMarkdown } from "../../src/compliance/report-markdown.js";
import { freshnessFleet, GONE_ARN, hoursAgo } from "./freshness-fixture.js";
import { childrenNamed, parseXml } from "./xml-check.js";

describe("freshness per covered source", () => {
  it("gives each covered source its status; untagged disks are not covered unless a set names them", () => {
    const { report } = freshnessFleet();
    expect(
      report.freshness?.sources.map((s) => [s.kind, s.source, s.status, s.window.maxAge]),
    ).toEqual([
      ["disk", "cache-data", "none", "26h"],
      ["disk", "db-data", "stale", "26h"],
      ["disk", "hourly-data", "stale", "2h"],
      ["disk", "warm-data", "warn", "26h"],
      ["disk", "web-data", "ok", "26h"],
      ["instance", "app-1", "ok", "26h"],
    ]);
    expect(report.compliant).toBe(false);
  });

  it("reports the newest completed snapshot and its age; error snapshots never count", () => {
    const db = freshnessFleet().report.freshness!.sources.find((s) => s.source === "db-data")!;
    expect(db.newest).toEqual({ name: "db-old", createdAt: hoursAgo(30), ageSeconds: 30 * 3600 });
    expect(db.errors).toEqual([{ name: "db-broken", createdAt: hoursAgo(1) }]);
    expect(db.completed).toBe(1);
    expect(db.snapshots).toBe(2);
    // the out-of-scope manual snapshot of cache-data is not a backup snapgate counts
    const cache = freshnessFleet().report.freshness!.sources.find(
      (s) => s.source === "cache-data",
    )!;
    expect(cache).toMatchObject({ status: "none", newest: null, snapshots: 0 });
  });

  it("finds gaps longer than maxAge between completed snapshots, and up to now", () => {
    const { sources } = freshnessFleet().report.freshness!;
    expect(sources.find((s) => s.source === "web-data")!.gaps).toEqual([
      { from: hoursAgo(86), to: hoursAgo(26), seconds: 60 * 3600 },
    ]);
    expect(sources.find((s) => s.source === "db-data")!.gaps).toEqual([
      { from: hoursAgo(30), to: hoursAgo(0), seconds: 30 * 3600 },
    ]);
  });

  it("reports orphaned sources; a missing instance only when instances were listed", () => {
    const listed = freshnessFleet().report.freshness!;
    expect(listed.orphaned.map((o) => [o.kind, o.source, o.snapshots])).toEqual([
      ["disk", "old-box", 1],
      ["instance", "gone-box", 1],
    ]);
    const unlisted = freshnessFleet({ instancesListed: false }).report.freshness!;
    expect(unlisted.orphaned.map((o) => o.source)).toEqual(["old-box"]);
    expect(listed.counts).toEqual({ ok: 2, warn: 1, stale: 2, none: 1, orphaned: 2, errors: 1 });
  });
});

describe("deleted outside snapgate", () => {
  it("is a snapshot seen before, gone now, without a delete-result of snapgate's, in a region listed now", () => {
    expect(freshnessFleet().report.deletedOutside).toEqual([
      {
        region: "us-east-1",
        name: "web-0",
        arn: GONE_ARN,
        lastSeen: hoursAgo(1),
        lastSeenBy: "audit",
      },
    ]);
  });
});

describe("findings and renderers", () => {
  it("lists the typed findings, failing ones first", () => {
    const findings = complianceFindings(freshnessFleet().report);
    expect(
      findings.map((f) => [f.kind, f.failing, f.kind === "deleted-outside" ? f.name : f.source]),
    ).toEqual([
      ["none", true, "cache-data"],
      ["stale", true, "db-data"],
      ["stale", true, "hourly-data"],
      ["deleted-outside", true, "web-0"],
      ["orphaned", false, "gone-box"],
      ["orphaned", false, "old-box"],
      ["warn", false, "warm-data"],
    ]);
    expect(findings[1]!.message).toBe(
      "disk us-east-1/db-data: newest completed snapshot db-old is 30h old (maxAge 26h)",
    );
  });

  it("junit.xml: one testcase per covered source, orphaned skipped, one per deletion; counts add up", () => {
    const root = parseXml(renderJunit(freshnessFleet().report));
    const [suite] = childrenNamed(root, "testsuite");
    const cases = childrenNamed(suite!, "testcase").filter((c) =>
      ["freshness", "orphaned", "deleted-outside"].includes(c.attrs.classname ?? ""),
    );
    expect(cases.map((c) => `${c.attrs.classname} ${c.attrs.name}`)).toEqual([
      "freshness us-east-1/disk/cache-data",
      "freshness us-east-1/disk/db-data",
      "freshness us-east-1/disk/hourly-data",
      "freshness us-east-1/disk/warm-data",
      "freshness us-east-1/disk/web-data",
      "freshness us-east-1/instance/app-1",
      "orphaned us-east-1/disk/old-box",
      "orphaned us-east-1/instance/gone-box",
      "deleted-outside us-east-1/web-0",
    ]);
    const all = childrenNamed(suite!, "testcase");
    expect(Number(suite!.attrs.skipped)).toBe(
      all.filter((c) => childrenNamed(c, "skipped").length).length,
    );
    expect(Number(suite!.attrs.failures)).toBe(
      all.filter((c) => childrenNamed(c, "failure").length).length,
    );
    expect(Number(root.attrs.skipped)).toBe(2);
  });

  it("report.md keeps the freshness headings when rows must be dropped", () => {
    const md = renderReportMarkdown(freshnessFleet().report, { limit: 2500 });
    expect(md).toContain("#### Freshness (6 covered sources: 2 stale, 1 none, 1 warn, 2 ok)");
    expect(md.length).toBeLessThanOrEqual(2500);
  });
});
