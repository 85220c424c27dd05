import { describe, expect, it } from "vitest";
import type { Inventory, LiveSnapshot, RetainRule } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { runGate } from "../../src/gate/gate.js";
import { desired, NOW, set, snap } from "../helpers/fleet.js";

const inv = (snapshots: LiveSnapshot[]): Inventory => ({
  regions: ["us-east-1", "eu-west-2"],
  snapshots,
  disks: [],
});

/** name → reasons, for every desired snapshot */
function reasonsOf(rules: RetainRule[], fleet: LiveSnapshot[], keep: string[] = []) {
  const r = diff(desired({}, [set({ retain: rules, keep })]), inv(fleet), NOW);
  const out: Record<string, readonly string[]> = {};
  for (const s of r.desired) out[s.name] = r.keptReasons.get(s) ?? [];
  return { reasons: out, result: r };
}

const at = (name: string, iso: string, over: Partial<LiveSnapshot> = {}) =>
  snap({ name, createdAt: new Date(iso).toISOString(), ...over });

describe("calendar buckets", () => {
  it("counts the hour repeated when clocks go back as one hourly bucket, labelled by wall time", () => {
    // Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z).
    const fleet = [
      at("cest-0230", "2026-10-25T00:30:00Z"), // 02:30 CEST
      at("cet-0200", "2026-10-25T01:00:00Z"), // 02:00 CET
      at("cet-0230", "2026-10-25T01:30:00Z"), // 02:30 CET, the newest of the repeated hour
      at("cest-0130", "2026-10-24T23:30:00Z"), // 01:30 CEST
      at("cet-0300", "2026-10-25T02:00:00Z"), // 03:00 CET
    ];
    const { reasons } = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "Europe/Berlin", hourly: 3 } }],
      fleet,
    );
    expect(reasons).toStrictEqual({
      "cet-0300": ["hourly 2026-10-25T03"],
      "cet-0230": ["hourly 2026-10-25T02"],
      "cest-0130": ["hourly 2026-10-25T01"],
    });
  });

  it("puts the days of an ISO week spanning a year end into that week and its week-year", () => {
    const fleet = [
      at("thu-2026-12-31", "2026-12-31T12:00:00Z"),
      at("fri-2027-01-01", "2027-01-01T12:00:00Z"),
      at("sun-2027-01-03", "2027-01-03T12:00:00Z"),
      at("mon-2027-01-04", "2027-01-04T12:00:00Z"),
      at("mon-2024-12-30", "2024-12-30T12:00:00Z"),
      at("sun-2024-12-29", "2024-12-29T12:00:00Z"),
    ];
    const { reasons } = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", weekly: "all" } }],
      fleet,
    );
    expect(reasons).toStrictEqual({
      "mon-2027-01-04": ["weekly 2027-W01"],
      "sun-2027-01-03": ["weekly 2026-W53"],
      "mon-2024-12-30": ["weekly 2025-W01"],
      "sun-2024-12-29": ["weekly 2024-W52"],
    });
  });

  it("uses the rule's time zone for the day and the week (Monday 00:30 in Berlin is Sunday in UTC)", () => {
    const fleet = [at("mon-berlin", "2026-11-29T23:30:00Z"), at("sun", "2026-11-29T10:00:00Z")];
    const berlin = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "Europe/Berlin", daily: 5, weekly: 5 } }],
      fleet,
    ).reasons;
    expect(berlin).toStrictEqual({
      "mon-berlin": ["daily 2026-11-30", "weekly 2026-W49"],
      sun: ["daily 2026-11-29", "weekly 2026-W48"],
    });
    const utc = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", weekly: 5 } }],
      fleet,
    ).reasons;
    expect(utc).toStrictEqual({
      "mon-berlin": ["weekly 2026-W48"],
      sun: ["oldest (weekly 5 not filled)"],
    });
  });

  it('keeps the newest snapshot of every year with yearly: "all", and no extra oldest', () => {
    const fleet = [2020, 2021, 2023, 2026].flatMap((y) => [
      at(`jan-${y}`, `${y}-01-15T00:00:00Z`),
      at(`dec-${y}`, `${y}-12-15T00:00:00Z`),
    ]);
    const { reasons, result } = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", yearly: "all" } }],
      fleet,
    );
    expect(reasons).toStrictEqual({
      "dec-2026": ["yearly 2026"],
      "dec-2023": ["yearly 2023"],
      "dec-2021": ["yearly 2021"],
      "dec-2020": ["yearly 2020"],
    });
    expect(result.candidates.map((c) => c.reason)).toStrictEqual(
      Array(4).fill("outside-retention"),
    );
  });

  it("keeps the oldest snapshot as well while a unit's buckets are not filled", () => {
    const fleet = [
      at("d3", "2026-11-03T10:00:00Z"),
      at("d2-late", "2026-11-02T20:00:00Z"),
      at("d2-early", "2026-11-02T08:00:00Z"),
      at("d1-late", "2026-11-01T20:00:00Z"),
      at("d1-first", "2026-11-01T01:00:00Z"),
    ];
    const { reasons } = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", daily: 7, monthly: 1 } }],
      fleet,
    );
    expect(reasons).toStrictEqual({
      d3: ["daily 2026-11-03", "monthly 2026-11"],
      "d2-late": ["daily 2026-11-02"],
      "d1-late": ["daily 2026-11-01"],
      "d1-first": ["oldest (daily 7 not filled)"],
    });
  });

  it("never counts pending or error snapshots, and breaks a createdAt tie by name", () => {
    const fleet = [
      at("pending-new", "2026-11-05T10:00:00Z", { state: "pending" }),
      at("error-new", "2026-11-04T10:00:00Z", { state: "error" }),
      at("b-tied", "2026-11-03T10:00:00Z"),
      at("a-tied", "2026-11-03T10:00:00Z"),
      at("older", "2026-11-02T10:00:00Z"),
    ];
    const { reasons } = reasonsOf(
      [{ fromDisk: "web-data", calendar: { timezone: "UTC", daily: 1 } }],
      fleet,
    );
    expect(reasons).toStrictEqual({ "a-tied": ["daily 2026-11-03"] });
  });
});

describe("within", () => {
  it("keeps what was created within the window before the newest snapshot of a stalled source", () => {
    // The job stopped 200 days before NOW: maxAge keeps nothing, within still keeps the last two days.
    const base = NOW - 200 * 86_400_000;
    const fleet = [0, 1, 47, 48, 49, 72].map((h) =>
      snap({ name: `h${h}`, createdAt: new Date(base - h * 3_600_000).toISOString() }),
    );
    fleet.push(
      snap({
        name: "pending",
        createdAt: new Date(base + 3_600_000).toISOString(),
        state: "pending",
      }),
    );
    const { reasons, result } = reasonsOf(
      [
        {
          fromDisk: "web-data",
          withinMs: 48 * 3_600_000,
          withinText: "48h",
          maxAgeMs: 7 * 86_400_000,
        },
      ],
      fleet,
    );
    expect(reasons).toStrictEqual({
      h0: ["within 48h"],
      h1: ["within 48h"],
      h47: ["within 48h"],
      h48: ["within 48h"],
    });
    expect(result.candidates.map((c) => c.snapshot.name).sort()).toStrictEqual([
      "h49",
      "h72",
      "pending",
    ]);
  });
});

describe("rules and sources", () => {
  it("a rule matching nothing keeps nothing and adds no oldest", () => {
    const fleet = [at("a", "2026-11-03T10:00:00Z"), at("b", "2026-11-02T10:00:00Z")];
    const { reasons, result } = reasonsOf(
      [
        { fromDisk: "ghost-disk", calendar: { timezone: "UTC", daily: 7 } },
        {
          fromDisk: "web-data",
          matchTags: { tier: "gold" },
          calendar: { timezone: "UTC", daily: 7 },
        },
      ],
      fleet,
    );
    expect(reasons).toStrictEqual({});
    expect(result.candidates.map((c) => c.reason)).toStrictEqual([
      "outside-retention",
      "outside-retention",
    ]);
  });

  it("keeps instance-sourced snapshots by fromInstance, never by a fromDisk of the same name", () => {
    const inst = (name: string, iso: string) =>
      at(name, iso, {
        fromDiskName: undefined,
        fromInstanceName: "web-1",
        fromInstanceArn: "arn:aws:lightsail:us-east-1:111122223333:Instance/aaaa",
      });
    const fleet = [
      inst("i-3", "2026-11-03T10:00:00Z"),
      inst("i-2", "2026-11-02T10:00:00Z"),
      inst("i-1", "2026-11-01T10:00:00Z"),
      at("d-1", "2026-11-03T10:00:00Z", { fromDiskName: "web-1" }),
    ];
    const { reasons, result } = reasonsOf(
      [{ fromInstance: "web-1", newest: 1, calendar: { timezone: "UTC", daily: 2 } }],
      fleet,
      ["d-1"],
    );
    expect(reasons).toStrictEqual({
      "i-3": ["newest 1", "daily 2026-11-03"],
      "i-2": ["daily 2026-11-02"],
      "d-1": ["keep"],
    });
    expect(result.candidates.map((c) => [c.snapshot.name, c.reason])).toStrictEqual([
      ["i-1", "outside-retention"],
    ]);

    // The per-source floor and the policy input see the instance as the source.
    const seen: unknown[] = [];
    const d = desired(
      {
        guards: {
          maxDeletions: 50,
          maxDeletionPercent: 100,
          minSnapshotsPerDisk: 3,
          allowEmpty: true,
        },
      },
      [set({ retain: [{ fromInstance: "web-1", newest: 1 }], keep: ["d-1"] })],
    );
    const r = diff(d, inv(fleet), NOW);
    const decisions = runGate(
      { desired: d, inventory: inv(fleet), diff: r, commit: "0".repeat(40), nowMs: NOW },
      {
        policy: {
          evaluate: (input) => {
            seen.push({
              source: input.source,
              keepReasons: input.snapshot.keepReasons,
              siblings: input.siblings,
            });
            return { deny: [], warn: [] };
          },
        },
        access: () => ({ allowed: true }),
      },
    );
    expect(
      decisions.map((x) => [x.candidate.snapshot.name, x.blockedBy.map((b) => b.message)]),
    ).toStrictEqual([
      [
        "i-1",
        [
          "minSnapshotsPerDisk: deleting it would leave web-1 with fewer than 3 completed snapshot(s) (1 would remain)",
        ],
      ],
      [
        "i-2",
        [
          "minSnapshotsPerDisk: deleting it would leave web-1 with fewer than 3 completed snapshot(s) (1 would remain)",
        ],
      ],
    ]);
    expect(seen[0]).toStrictEqual({
      source: { kind: "instance", name: "web-1" },
      keepReasons: [],
      siblings: { total: 3, remainingAfterPlan: 3, newest: "i-3" },
    });
  });
});
