/**
 * Compliance reports built the way `snapgate audit` builds them: the real
 * diff, gate and plan builder over literal fleets, with literal policy and
 * access stubs standing in for the wasm policy and the access rules.
 */

import { buildComplianceReport } from "../../src/compliance/compliance.js";
import type { DesiredState, Inventory, LiveSnapshot, PolicyInput } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { type GateDeps, gate } from "../../src/gate/gate.js";
import { buildPlan } from "../../src/plan/build.js";
import { daysAgo, desired, NOW, set, snap } from "../helpers/fleet.js";

export const POLICY_DIGEST =
  "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/**
 * Policy stub: warns on big snapshots, denies those tagged `young`, holds (a safety floor)
 * those tagged `last-copy`. Access stub: denies `env=prod`.
 */
export const stubGateDeps: GateDeps = {
  policy: {
    evaluate: (input: PolicyInput) => ({
      deny: input.snapshot.tags.young === "yes" ? ["younger than minAgeDays"] : [],
      ...(input.snapshot.tags["last-copy"] === "yes"
        ? { hold: ["last remaining copy of deleted disk"] }
        : {}),
      warn:
        input.snapshot.sizeInGb >= 100 ? [`large snapshot (${input.snapshot.sizeInGb} GiB)`] : [],
    }),
  },
  access: (s) =>
    s.tags.env === "prod"
      ? { allowed: false, reasons: ["deny rule #1 (env=prod) matches"] }
      : { allowed: true },
};

export function reportFor(
  d: DesiredState,
  snapshots: readonly LiveSnapshot[],
  deps: GateDeps = stubGateDeps,
) {
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  const result = diff(d, inventory, NOW);
  const { decisions, planLevel } = gate(
    { desired: d, inventory, diff: result, commit: "c0ffee", nowMs: NOW },
    deps,
  );
  const plan = buildPlan({
    source: {
      repo: "https://git.example/fleet.git",
      ref: "main",
      commit: "c0ffee0123456789abcdef0123456789abcdef01",
      base: null,
    },
    account: d.spec.account,
    regions: d.spec.regions,
    policy: { bundle: "builtin", digest: POLICY_DIGEST },
    inventory,
    diff: result,
    decisions,
    planLevel,
    nowMs: NOW,
  });
  return {
    plan,
    inventory,
    diff: result,
    report: buildComplianceReport({ plan, inventory, diff: result, desired: d, nowMs: NOW }),
  };
}

const managed = { "managed-by": "snapgate" };

/** One snapshot of every class, a missing one and a warning, over two configured regions and one other. */
export function mixedFleet() {
  const d = desired({}, [
    set({ keep: ["web-keep", "web-gone"], retain: [{ fromDisk: "db-data", newest: 1 }] }),
    set({ name: "eu", region: "eu-west-2", keep: ["eu-keep"], file: "snapshots/eu.yaml" }),
  ]);
  const fleet = [
    snap({ name: "web-keep", createdAt: daysAgo(2) }),
    snap({ name: "db-new", fromDiskName: "db-data", createdAt: daysAgo(1) }),
    snap({ name: "db-old", fromDiskName: "db-data", createdAt: daysAgo(40), sizeInGb: 120 }),
    snap({ name: "web-old", createdAt: daysAgo(60) }),
    snap({
      name: "web-held",
      createdAt: daysAgo(90),
      tags: { ...managed, "legal-hold": "case-7" },
    }),
    snap({ name: "web-prod", createdAt: daysAgo(20), tags: { ...managed, env: "prod" } }),
    snap({
      name: "web-young",
      createdAt: daysAgo(3),
      sizeInGb: 200,
      tags: { ...managed, young: "yes" },
    }),
    snap({
      name: "web-held-prod",
      createdAt: daysAgo(100),
      tags: { ...managed, "legal-hold": "x", env: "prod" },
    }),
    snap({ name: "manual", createdAt: daysAgo(5), tags: { owner: "ops" } }),
    snap({ name: "eu-keep", region: "eu-west-2", fromDiskName: "eu-data", createdAt: daysAgo(7) }),
    snap({ name: "eu-stray", region: "eu-west-2", fromDiskName: undefined, createdAt: daysAgo(8) }),
    snap({
      name: "tokyo-1",
      region: "ap-northeast-1",
      fromDiskName: "jp-data",
      createdAt: daysAgo(9),
    }),
  ];
  return { desired: d, fleet, ...reportFor(d, fleet) };
}

export const EXPECTED_CLASSES: Record<string, string> = {
  "web-keep": "desired",
  "db-new": "desired",
  "eu-keep": "desired",
  "db-old": "would-delete",
  "web-old": "would-delete",
  "eu-stray": "would-delete",
  "web-prod": "blocked",
  "web-young": "blocked",
  // protected and also denied by access: held on purpose, so "protected"
  "web-held-prod": "protected",
  "web-held": "protected",
  manual: "out-of-scope",
  "tokyo-1": "out-of-scope",
};

/** A nightly series rotated by a calendar rule: kept by daily, weekly, monthly and yearly buckets. */
export const CALENDAR_SET = set({
  name: "cal",
  retain: [
    {
      fromDisk: "cal-data",
      calendar: { timezone: "UTC", daily: 5, weekly: 3, monthly: 3, yearly: "all" },
    },
  ],
  file: "snapshots/cal.yaml",
});

export function calendarSeries(days = 75) {
  return Array.from({ length: days }, (_, i) =>
    snap({
      name: `cal-data-${String(i).padStart(2, "0")}`,
      fromDiskName: "cal-data",
      createdAt: daysAgo(i + 0.5),
    }),
  );
}

/** Two snapshots of instance app-1's system disk (no fromDiskName), 1 and 20 days old. */
export function instanceSnapshots() {
  return [1, 20].map((age) =>
    snap({
      name: `app-1-system-${age}`,
      fromDiskName: undefined,
      fromInstanceName: "app-1",
      createdAt: daysAgo(age),
    }),
  );
}

/**
 * The mixed fleet plus a daily series on a second disk, a calendar-rotated series on a third
 * and a snapshot with hostile tag text: for the browser.
 */
export function showcaseFleet() {
  const base = mixedFleet();
  const d = desired({}, [
    ...base.desired.sets,
    set({ name: "app", retain: [{ fromDisk: "app-data", newest: 5 }], file: "snapshots/app.yaml" }),
    CALENDAR_SET,
    set({
      name: "app-1",
      retain: [{ fromInstance: "app-1", newest: 1 }],
      file: "snapshots/app.yaml",
    }),
  ]);
  const series = Array.from({ length: 20 }, (_, i) =>
    snap({
      name: `app-data-day-${String(i).padStart(2, "0")}`,
      fromDiskName: "app-data",
      createdAt: daysAgo(i * 3 + 1),
    }),
  );
  const hostile = snap({
    name: "web-hostile",
    createdAt: daysAgo(33),
    tags: { ...managed, note: "</script><b id=injected>x</b><!-- & \u2028" },
  });
  // held by a safety floor: the last copy of a deleted disk
  const lastCopy = snap({
    name: "gone-disk-last",
    fromDiskName: "gone-disk",
    createdAt: daysAgo(50),
    tags: { ...managed, "last-copy": "yes" },
  });
  // 35 nights: enough for every unit, few enough candidates to stay under maxDeletions
  const fleet = [
    ...base.fleet,
    ...series,
    ...calendarSeries(35),
    ...instanceSnapshots(),
    hostile,
    lastCopy,
  ];
  return { desired: d, fleet, ...reportFor(d, fleet) };
}
