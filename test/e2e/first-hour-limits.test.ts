/**
 * What a new user saw in the first hour (issue 16, points 2–4), reproduced
 * through the built CLI against the emulator and a real git repository:
 * - `guards.maxDeletions: 500` on a 300-deletion cleanup blocked all 300 with
 *   300 lines "more than maxDeletions (100)" (the policy's own copy of the knob);
 * - the summary said "No deletions: live state matches the desired state."
 *   while everything was blocked or keep names were missing;
 * - right after a successful apply, `audit` exited 4 forever because snapshots
 *   spared by minSnapshotsPerDisk or the last-copy rule counted as violations,
 *   and the text output did not say which snapshots failed.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import { ACCOUNT, ago, makeWorld, NOW_MS, type World } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function envFor(w: World): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: w.emulator.url,
    AWS_ENDPOINT_URL_STS: w.emulator.url,
    SNAPGATE_REPO: w.repo.dir,
    SNAPGATE_STATE_DIR: w.stateDir,
    XDG_CACHE_HOME: w.cacheDir,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
}

const MANAGED = { "managed-by": "snapgate" };

function reconciler(
  guards: { maxDeletions: number; minSnapshotsPerDisk?: number; allowEmpty?: boolean },
  data = "",
) {
  return `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: first-hour }
spec:
  account: "${ACCOUNT}"
  regions: [us-east-1]
  scope:
    matchTags: { managed-by: snapgate }
  guards:
    maxDeletions: ${guards.maxDeletions}
    maxDeletionPercent: 100
    minSnapshotsPerDisk: ${guards.minSnapshotsPerDisk ?? 1}
    allowEmpty: ${guards.allowEmpty ?? false}
  policy:
    bundle: builtin
    data: { minAgeDays: 7${data} }
`;
}

const keepSet = (keep: string[]) => `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  keep: [${keep.join(", ")}]
`;

/** web-keep (declared) and 300 old undeclared snapshots of the same disk. */
function cleanupFleet(): FleetSeedInput {
  const old = Array.from({ length: 300 }, (_, i) => ({
    name: `web-old-${String(i).padStart(3, "0")}`,
    fromDisk: "web-data",
    createdAt: ago(30 + i / 100),
    tags: MANAGED,
  }));
  return {
    account: ACCOUNT,
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 8, tags: {} }],
        snapshots: [
          { name: "web-keep", fromDisk: "web-data", createdAt: ago(1), tags: MANAGED },
          ...old,
        ],
      },
    },
  };
}

async function plan(w: World, format = "text") {
  const planFile = path.join(w.stateDir, "..", `plan-${format}.json`);
  const out = await runCli(
    ["plan", "--repo", w.repo.dir, "--out", planFile, "--format", format, "--detailed-exitcode"],
    envFor(w),
  );
  return { out, planFile, plan: JSON.parse(await readFile(planFile, "utf8")) };
}

const count = (text: string, fragment: string) => text.split(fragment).length - 1;

describe("one knob per limit (spec.guards is the single source)", () => {
  it("guards.maxDeletions: 500 lets a 300-deletion cleanup through: the policy has no limit of its own", async () => {
    world = await makeWorld({
      fleet: cleanupFleet(),
      files: {
        "snapgate.yaml": reconciler({ maxDeletions: 500 }),
        "snapshots/web.yaml": keepSet(["web-keep"]),
      },
    });
    const { out, plan: p } = await plan(world);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(2);
    expect(p.summary).toMatchObject({ deletions: 300, blocked: 0, missing: 0 });
    expect(out.stdout).not.toContain("maxDeletions (100)");
    expect(out.stdout).toContain("Plan: 300 to delete, 0 blocked, 0 missing");
    expect(out.stdout).not.toContain("No deletions");

    // Before the apply, audit names what fails: the first 20, then how many more.
    const audit = await runCli(["audit", "--repo", world.repo.dir], envFor(world));
    expect(audit.code).toBe(4);
    expect(audit.stdout).toContain("failing (300):");
    expect(audit.stdout).toContain("us-east-1/web-old-000: would be deleted");
    expect(count(audit.stdout, ": would be deleted")).toBe(20);
    expect(audit.stdout).toContain("… and 280 more");
  });

  it("a plan above spec.guards.maxDeletions is blocked once for the plan, with a summary that says what to change", async () => {
    world = await makeWorld({
      fleet: cleanupFleet(),
      files: {
        "snapgate.yaml": reconciler({ maxDeletions: 250 }),
        "snapshots/web.yaml": keepSet(["web-keep"]),
      },
    });
    const guard =
      "maxDeletions: the plan would delete 300 snapshots, more than guards.maxDeletions (250)";
    const headline =
      "0 to delete; 300 blocked by maxDeletions (250) — raise spec.guards.maxDeletions or split the change";

    const text = await plan(world, "text");
    expect(text.out.code).toBe(0);
    expect(count(text.out.stdout, guard)).toBe(1);
    expect(text.out.stdout).toContain(
      "Blocked for the whole plan (each of the 300 snapshots below):",
    );
    expect(text.out.stdout).toContain(headline);
    expect(text.out.stdout).not.toContain("No deletions");

    const json = await plan(world, "json");
    const p = JSON.parse(json.out.stdout);
    expect(p.headline).toBe(headline);
    expect(p.planLevel).toEqual([
      { kind: "guard", message: guard, knob: "spec.guards.maxDeletions", limit: 250 },
    ]);
    expect(p.blocked).toHaveLength(300);
    expect(p.blocked.every((b: { blockedBy: unknown[] }) => b.blockedBy.length === 0)).toBe(true);
    expect(count(json.out.stdout, guard)).toBe(1);

    const md = await plan(world, "markdown");
    expect(count(md.out.stdout, guard)).toBe(1);
    expect(md.out.stdout).toContain(headline);
    expect(md.out.stdout).not.toContain("No deletions");
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("guards.minSnapshotsPerDisk: 0 is the policy's minimum too: no hidden per-disk minimum of 1", async () => {
    world = await makeWorld({
      fleet: {
        account: ACCOUNT,
        regions: {
          "us-east-1": {
            disks: [{ name: "web-data", sizeInGb: 8, tags: {} }],
            snapshots: [
              { name: "web-a", fromDisk: "web-data", createdAt: ago(40), tags: MANAGED },
              { name: "web-b", fromDisk: "web-data", createdAt: ago(30), tags: MANAGED },
            ],
          },
        },
      },
      files: {
        "snapgate.yaml": reconciler({ maxDeletions: 50, minSnapshotsPerDisk: 0, allowEmpty: true }),
        "snapshots/web.yaml": keepSet([]),
      },
    });
    const { out, plan: p } = await plan(world);
    expect(out.stdout).not.toContain("minSnapshotsPerDisk (1)");
    expect(p.summary).toMatchObject({ deletions: 2, blocked: 0 });

    // and a higher value in spec.policy.data tightens it, naming both
    world.repo.commit({
      "snapgate.yaml": reconciler(
        { maxDeletions: 50, minSnapshotsPerDisk: 0, allowEmpty: true },
        ", minSnapshotsPerDisk: 1",
      ),
    });
    const tightened = await plan(world);
    expect(tightened.plan.summary).toMatchObject({ deletions: 0, blocked: 2 });
    expect(tightened.out.stdout).toContain(
      "fewer than spec.policy.data.minSnapshotsPerDisk (1, tighter than spec.guards.minSnapshotsPerDisk 0)",
    );
  });

  it("spec.policy.data may tighten maxDeletions, once for the plan, and says that it does", async () => {
    world = await makeWorld({
      fleet: cleanupFleet(),
      files: {
        "snapgate.yaml": reconciler({ maxDeletions: 500 }, ", maxDeletions: 100"),
        "snapshots/web.yaml": keepSet(["web-keep"]),
      },
    });
    const denial =
      "plan: the plan deletes 300 snapshots, more than spec.policy.data.maxDeletions (100, tighter than spec.guards.maxDeletions 500)";
    const { out, plan: p } = await plan(world, "text");
    expect(out.code).toBe(0);
    expect(count(out.stdout, denial)).toBe(1);
    expect(p.planLevel).toEqual([{ kind: "policy", message: denial }]);
    expect(p.summary).toMatchObject({ deletions: 0, blocked: 300 });
    expect(p.headline).toMatch(/^0 to delete; 300 blocked by the policy \(the plan deletes 300/);
  });
});

describe("true summaries", () => {
  it("a missing keep name with nothing to delete is not 'live state matches'", async () => {
    world = await makeWorld({
      fleet: cleanupFleet(),
      files: {
        "snapgate.yaml": reconciler({ maxDeletions: 500 }),
        "snapshots/web.yaml": keepSet([
          "web-keep",
          "web-tyop",
          ...Array.from({ length: 300 }, (_, i) => `web-old-${String(i).padStart(3, "0")}`),
        ]),
      },
    });
    const { out, plan: p } = await plan(world);
    expect(p.summary).toMatchObject({ deletions: 0, blocked: 0, missing: 1 });
    expect(out.stdout).not.toContain("No deletions");
    expect(out.stdout).toContain(
      "0 to delete; 1 keep name is not live — correct or remove it in keep",
    );
    expect(p.headline).toBe("0 to delete; 1 keep name is not live — correct or remove it in keep");
  });
});

describe("compliance that can pass", () => {
  it("after a successful apply, snapshots held by minSnapshotsPerDisk and the last-copy rule are held, and audit exits 0", async () => {
    world = await makeWorld({
      fleet: {
        account: ACCOUNT,
        regions: {
          "us-east-1": {
            // gone-disk no longer exists: its newest snapshot is its last copy
            disks: [{ name: "web-data", sizeInGb: 8, tags: {} }],
            snapshots: [
              { name: "web-a", fromDisk: "web-data", createdAt: ago(40), tags: MANAGED },
              { name: "web-b", fromDisk: "web-data", createdAt: ago(30), tags: MANAGED },
              { name: "gone-1", fromDisk: "gone-disk", createdAt: ago(50), tags: MANAGED },
              { name: "gone-2", fromDisk: "gone-disk", createdAt: ago(45), tags: MANAGED },
            ],
          },
        },
      },
      files: {
        // nothing declared: every snapshot is a candidate, so only the floors keep any
        "snapgate.yaml": reconciler({ maxDeletions: 50, allowEmpty: true }),
        "snapshots/web.yaml": keepSet([]),
      },
    });
    const { out, planFile, plan: p } = await plan(world);
    expect(out.code).toBe(2);
    expect(p.deletions.map((d: { name: string }) => d.name).sort()).toEqual(["gone-1", "web-a"]);
    const apply = await runCli(["apply", planFile, "--auto-approve"], envFor(world));
    expect(apply.code).toBe(0);

    const audit = await runCli(
      ["audit", "--repo", world.repo.dir, "--report-dir", path.join(world.stateDir, "..", "r")],
      envFor(world),
    );
    expect(audit.stderr).toBe("");
    expect(audit.stdout).toContain("COMPLIANT");
    expect(audit.stdout).not.toContain("NOT COMPLIANT");
    expect(audit.stdout).toContain("0 blocked");
    expect(audit.stdout).toContain("2 held");
    expect(audit.stdout).toMatch(
      /held by a safety floor, not failing \(2\): 2 by spec\.guards\.minSnapshotsPerDisk, 1 by policy/,
    );
    expect(audit.code).toBe(0);
    const report = JSON.parse(
      await readFile(path.join(world.stateDir, "..", "r", "report.json"), "utf8"),
    );
    const held = report.snapshots.filter((s: { class: string }) => s.class === "held");
    expect(held.map((s: { name: string }) => s.name)).toEqual(["gone-2", "web-b"]);
    expect(held[0].reasons).toEqual([
      expect.objectContaining({ kind: "guard", floor: "spec.guards.minSnapshotsPerDisk" }),
      {
        kind: "policy",
        message: "us-east-1/gone-2: last remaining copy of deleted disk gone-disk",
        floor: "policy",
      },
    ]);
    expect(report.compliant).toBe(true);
  });
});
