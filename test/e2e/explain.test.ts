/**
 * `snapgate explain`: one snapshot's verdict, read off the plan makePlan makes for the same
 * commit and live state — checked against that plan for every live snapshot — and the CLI's
 * text, --json and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { explainSnapshot } from "../../src/reconcile/explain.js";
import { makePlan, type PlanOutcome } from "../../src/reconcile/plan-pipeline.js";
import { runCli } from "../helpers/cli.js";
import { ACCOUNT, ago, makeWorld, NOW_MS, RECONCILER, type World } from "../helpers/scenario.js";

const managed = { "managed-by": "snapgate" };

const FLEET: FleetSeedInput = {
  account: ACCOUNT,
  regions: {
    "us-east-1": {
      disks: [{ name: "web-data", sizeInGb: 64 }],
      instances: [{ name: "app-1" }],
      snapshots: [
        { name: "web-1", fromDisk: "web-data", createdAt: ago(1), tags: managed },
        { name: "web-2", fromDisk: "web-data", createdAt: ago(2), tags: managed },
        { name: "web-30", fromDisk: "web-data", createdAt: ago(30), tags: managed },
        { name: "web-3", fromDisk: "web-data", createdAt: ago(3), tags: managed },
        {
          name: "web-held",
          fromDisk: "web-data",
          createdAt: ago(60),
          tags: { ...managed, "legal-hold": "case-7" },
        },
        { name: "manual", fromDisk: "web-data", createdAt: ago(90), tags: {} },
        { name: "app-1-a", fromInstance: "app-1", createdAt: ago(1), tags: managed },
        { name: "app-1-b", fromInstance: "app-1", createdAt: ago(40), tags: managed },
        { name: "app-1-c", fromInstance: "app-1", createdAt: ago(41), tags: managed },
      ],
    },
    "eu-west-2": { disks: [], snapshots: [] },
  },
};

const SET = `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  keep: [web-30, web-pre-freeze]
  retain:
    - fromDisk: web-data
      newest: 1
    - fromInstance: app-1
      calendar: { daily: 1 }
`;

let world: World | undefined;
let outcome: PlanOutcome;

beforeAll(async () => {
  world = await makeWorld({
    fleet: FLEET,
    files: { "snapgate.yaml": RECONCILER, "snapshots/web.yaml": SET },
  });
  outcome = await makePlan({
    repo: world.repo.dir,
    cacheDir: world.cacheDir,
    clients: lightsailClientFactory({ endpoint: world.emulator.url }),
    nowMs: NOW_MS,
  });
}, 60_000);

afterAll(async () => {
  await world?.close();
});

function explain(name: string, region = "us-east-1") {
  const r = explainSnapshot(outcome, { region, name });
  if (!r.found) throw new Error(r.message);
  return r.explanation;
}

describe("explain: the same verdict as the plan", () => {
  it("agrees with the plan's kept, deletions and blocked lists for every live snapshot", () => {
    const { plan } = outcome;
    for (const s of outcome.inventory.snapshots) {
      const e = explain(s.name, s.region);
      const kept = plan.kept?.find((k) => k.region === s.region && k.name === s.name);
      const deletion = plan.deletions.some((d) => d.region === s.region && d.name === s.name);
      const blocked = plan.blocked.find((b) => b.region === s.region && b.name === s.name);
      const want = kept ? "kept" : deletion ? "deletion" : blocked ? "blocked" : "out-of-scope";
      expect(e.verdict, s.name).toBe(want);
      if (kept) expect(e.keepReasons).toEqual(kept.reasons);
      if (blocked)
        expect(e.stages.flatMap((st) => st.messages)).toEqual(
          expect.arrayContaining(blocked.blockedBy.map((b) => b.message)),
        );
    }
    expect(plan.deletions.length + plan.blocked.length).toBeGreaterThan(0);
  });

  it("gives every reason a kept snapshot stays, and asks no gate stage", () => {
    const e = explain("web-1");
    expect(e.verdict).toBe("kept");
    expect(e.keepReasons).toEqual(["newest 1"]);
    expect(e.stages).toEqual([]);
    expect(e.rules.map((r) => r.rule)).toEqual(["fromDisk web-data: newest 1"]);
    expect(explain("web-30").keepReasons).toEqual(["keep"]);
  });

  it("explains an instance-sourced snapshot by its fromInstance rule", () => {
    const kept = explain("app-1-a");
    expect(kept.snapshot.source).toEqual({ kind: "instance", name: "app-1" });
    expect(kept.keepReasons).toEqual([expect.stringMatching(/^daily \d{4}-\d{2}-\d{2}$/)]);
    // daily 1 is filled by the newest day, so no oldest is kept besides it
    const gone = explain("app-1-b");
    expect(gone.verdict).toBe("deletion");
    expect(gone.candidateReason).toBe("outside-retention");
    expect(gone.rules.map((r) => r.rule)).toEqual(["fromInstance app-1: calendar daily 1 (UTC)"]);
  });

  it("gives a deletion every stage's verdict: all pass", () => {
    const e = explain("app-1-b");
    expect(e.stages.map((s) => [s.stage, s.verdict])).toEqual([
      ["protect", "pass"],
      ["guard", "pass"],
      ["policy", "pass"],
      ["access", "pass"],
    ]);
  });

  it("gives a blocked candidate every blocking message, stage by stage", () => {
    const held = explain("web-held");
    expect(held.verdict).toBe("blocked");
    expect(held.protected).toBe(true);
    const protect = held.stages.find((s) => s.stage === "protect");
    expect(protect?.verdict).toBe("block");
    expect(protect?.messages[0]).toMatch(/legal-hold/);
    const young = explain("web-2");
    expect(young.verdict).toBe("blocked");
    expect(young.stages.find((s) => s.stage === "policy")?.messages[0]).toMatch(
      /younger than minAgeDays/,
    );
  });

  it("says which part of the scope an unmanaged snapshot misses", () => {
    const e = explain("manual");
    expect(e.verdict).toBe("out-of-scope");
    expect(e.outOfScope).toEqual(["scope.matchTags wants managed-by=snapgate"]);
  });

  it("refuses a snapshot that is not live, naming a close name, a keep entry or the region", () => {
    const miss = (region: string, name: string) => {
      const r = explainSnapshot(outcome, { region, name });
      return r.found ? "" : r.message;
    };
    expect(miss("us-east-1", "WEB_1")).toMatch(/no such snapshot is live .*did you mean "web-1"/);
    expect(miss("us-east-1", "web-pre-freeze")).toMatch(/a keep list names it/);
    expect(miss("ap-south-1", "web-1")).toMatch(/region ap-south-1 is not in spec\.regions/);
  });
});

describe("snapgate explain (CLI)", () => {
  const env = () => ({
    AWS_ENDPOINT_URL_LIGHTSAIL: world!.emulator.url,
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
    SNAPGATE_STATE_DIR: world!.stateDir,
  });

  it("prints the verdict, the stages and the plan it rests on; exit 0", async () => {
    const r = await runCli(["explain", "--repo", world!.repo.dir, "us-east-1/web-held"], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^us-east-1\/web-held: a deletion candidate \(outside-retention\), blocked by protect/,
    );
    expect(r.stdout).toMatch(/protect {4}BLOCK protected: matches protect\.matchTags/);
    expect(r.stdout).toMatch(/access {5}pass/);
    expect(r.stdout).toMatch(
      /rules {6}fromDisk web-data: newest 1 {2}\(snapshots\/web\.yaml, set web\)/,
    );
  }, 60_000);

  it("prints JSON with --json", async () => {
    const r = await runCli(
      ["explain", "--repo", world!.repo.dir, "--json", "us-east-1/app-1-a"],
      env(),
    );
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({
      region: "us-east-1",
      name: "app-1-a",
      verdict: "kept",
      snapshot: { source: { kind: "instance", name: "app-1" } },
    });
  }, 60_000);

  it("exits 1 with a clear message for a snapshot that is not live or a malformed argument", async () => {
    const missing = await runCli(["explain", "--repo", world!.repo.dir, "us-east-1/nope"], env());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(
      /^snapgate: us-east-1\/nope: no such snapshot is live in account 111122223333/,
    );
    const bad = await runCli(["explain", "--repo", world!.repo.dir, "web-1"], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"web-1" is not <region>\/<snapshot>/);
  }, 60_000);
});
