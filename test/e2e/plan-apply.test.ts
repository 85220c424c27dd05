/**
 * plan → apply through the real pipeline: real git repo, real SDK over HTTP
 * against the emulator, the real compiled policy in opa-wasm.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { verifyAuditLog } from "../../src/audit-log/verify.js";
import type { Plan } from "../../src/core/model.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { serializePlan } from "../../src/plan/build.js";
import { parsePlan } from "../../src/plan/plan-file.js";
import { runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { DirStateStore } from "../../src/state/store.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function plan(w: World, extra: { ref?: string; base?: string; nowMs?: number } = {}) {
  return makePlan({
    repo: w.repo.dir,
    ref: extra.ref,
    base: extra.base,
    cacheDir: w.cacheDir,
    clients: lightsailClientFactory({ endpoint: w.emulator.url }),
    nowMs: extra.nowMs ?? NOW_MS,
  });
}

async function apply(w: World, p: Plan, nowMs = NOW_MS + 60_000) {
  const audit = new AuditLog(path.join(w.stateDir, "audit.jsonl"));
  const result = await runApply({
    plan: p,
    repo: w.repo.dir,
    identity: stsIdentityProbe({ endpoint: w.emulator.url }),
    clients: lightsailClientFactory({ endpoint: w.emulator.url, maxAttempts: 1 }),
    audit,
    store: new DirStateStore(w.stateDir),
    cacheDir: w.cacheDir,
    nowMs,
    concurrency: 4,
    rate: 100,
    pollIntervalMs: 10,
  });
  return { result, audit };
}

const liveNames = (w: World) =>
  w.emulator
    .snapshots("us-east-1")
    .map((s) => s.name)
    .sort();

describe("plan", () => {
  it("approves only undeclared, old, unprotected, in-scope snapshots and explains every block", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world);
    expect(p.deletions.map((d) => d.name)).toEqual(["web-old", "web-older"]);
    const blocked = Object.fromEntries(
      p.blocked.map((b) => [b.name, b.blockedBy.map((x) => x.kind)]),
    );
    expect(blocked["web-held"]).toContain("protect");
    expect(blocked["web-young"]).toEqual(["policy"]);
    expect(p.blocked.find((b) => b.name === "web-young")!.blockedBy[0]!.message).toMatch(
      /web-young/,
    );
    expect(p.summary).toEqual({
      live: 6,
      inScope: 5,
      desired: 1,
      deletions: 2,
      blocked: 2,
      missing: 0,
    });
    expect(p.policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // nothing was deleted by planning
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("is byte-identical for the same inputs and clock", async () => {
    world = await makeWorld();
    const a = serializePlan((await plan(world)).plan);
    const b = serializePlan((await plan(world)).plan);
    expect(a).toBe(b);
    expect(parsePlan("plan.json", a).digest).toBe(JSON.parse(a).digest);
  });

  it("fails, naming the region and the exception, when one region cannot be listed", async () => {
    world = await makeWorld();
    world.emulator.faults.script({
      operation: "GetDiskSnapshots",
      exception: "AccessDeniedException",
      count: 100,
    });
    await expect(plan(world)).rejects.toThrow(
      /region (us-east-1|eu-west-2): GetDiskSnapshots failed: AccessDeniedException/,
    );
  });

  it("refuses when live ARNs belong to another account", async () => {
    world = await makeWorld({
      files: {
        "snapgate.yaml": RECONCILER.replace('"111122223333"', '"444455556666"'),
        "snapshots/web.yaml": webSet(["web-1"]),
      },
    });
    await expect(plan(world)).rejects.toThrow(/account guard: .* belongs to account 111122223333/);
  });

  it("PR mode marks the deletions the change introduces", async () => {
    world = await makeWorld({
      files: { "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1", "web-old"]) },
    });
    const base = world.repo.head();
    world.repo.commit({ "snapshots/web.yaml": webSet(["web-1"]) }, "drop web-old");
    const { plan: p } = await plan(world, { base });
    const onBase = Object.fromEntries(p.deletions.map((d) => [d.name, d.onBase]));
    expect(onBase).toEqual({ "web-old": false, "web-older": true });
  });
});

describe("apply", () => {
  it("deletes exactly the approved snapshots, records intents and results, and the audit log verifies", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world);
    const { result, audit } = await apply(world, p);
    expect(result.counts).toMatchObject({ deleted: 2, failed: 0, skipped: 0 });
    expect(liveNames(world)).toEqual(["manual", "web-1", "web-held", "web-young"]);
    expect(
      world.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(["web-old", "web-older"]);
    const verified = await verifyAuditLog(audit.file);
    expect(verified.ok).toBe(true);
  });

  it("resumes without calling DeleteDiskSnapshot again for finished items", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world);
    await apply(world, p);
    const deletesBefore = world.emulator
      .calls()
      .filter((c) => c.operation === "DeleteDiskSnapshot").length;
    const { result } = await apply(world, p);
    expect(result.counts.deleted).toBe(2);
    expect(result.items.every((i) => i.detail.includes("earlier run"))).toBe(true);
    expect(world.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot").length).toBe(
      deletesBefore,
    );
  });

  it("skips a snapshot whose tags changed since the plan, saying what moved", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world);
    // someone re-creates web-old with the same name: new ARN, so it must not be deleted
    world.emulator.faults.vanish("us-east-1", "web-old");
    world.emulator.addSnapshot("us-east-1", {
      name: "web-old",
      fromDisk: "web-data",
      tags: { "managed-by": "snapgate" },
    });
    const { result } = await apply(world, p);
    const item = result.items.find((i) => i.name === "web-old")!;
    expect(item.outcome).toBe("skipped");
    expect(item.detail).toMatch(/changed since plan: ARN changed/);
    expect(liveNames(world)).toContain("web-old");
  });

  it("refuses a plan whose ref moved since it was made", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world, { ref: "main" });
    world.repo.commit({ "README.md": "moved" });
    await expect(apply(world, p)).rejects.toThrow(
      /main moved from [0-9a-f]{12} to [0-9a-f]{12} since the plan was made/,
    );
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });

  it("refuses a plan older than maxPlanAge", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world);
    await expect(apply(world, p, NOW_MS + 2 * 3_600_000)).rejects.toThrow(
      /older than apply.maxPlanAge/,
    );
  });

  it("refuses when the policy that would be used now differs", async () => {
    world = await makeWorld();
    const { plan: p } = await plan(world, { ref: "main" });
    const forged: Plan = { ...p, policy: { ...p.policy, digest: `sha256:${"0".repeat(64)}` } };
    const { withDigest } = await import("../../src/plan/digest.js");
    const { digest: _d, ...rest } = forged;
    await expect(apply(world, withDigest(rest))).rejects.toThrow(
      /the policy changed since the plan/,
    );
  });

  it("a forged plan with a valid digest cannot delete a desired snapshot: apply re-derives the verdicts", async () => {
    world = await makeWorld();
    const { plan: p, inventory } = await plan(world);
    const kept = inventory.snapshots.find((s) => s.name === "web-1")!;
    const { fingerprint } = await import("../../src/core/fingerprint.js");
    const { withDigest } = await import("../../src/plan/digest.js");
    const { digest: _d, ...rest } = p;
    const forged = withDigest({
      ...rest,
      deletions: [
        ...p.deletions,
        {
          region: kept.region,
          name: kept.name,
          arn: kept.arn,
          fromDisk: kept.fromDiskName ?? null,
          createdAt: kept.createdAt,
          sizeInGb: kept.sizeInGb,
          tags: kept.tags,
          fingerprint: fingerprint(kept),
          reason: "not-declared",
          warnings: [],
        },
      ],
      summary: { ...p.summary, deletions: p.summary.deletions + 1 },
    });
    const { result } = await apply(world, forged);
    expect(result.items.find((i) => i.name === "web-1")).toMatchObject({
      outcome: "skipped",
      detail: expect.stringContaining("not a deletion candidate"),
    });
    expect(liveNames(world)).toContain("web-1");
    expect(
      world.emulator
        .deletedSnapshots()
        .map((d) => d.name)
        .sort(),
    ).toEqual(["web-old", "web-older"]);
  });

  it("refuses a tampered plan file", async () => {
    world = await makeWorld();
    const text = serializePlan((await plan(world)).plan).replace('"web-older"', '"web-1"');
    expect(() => parsePlan("plan.json", text)).toThrow(/digest does not match its content/);
  });
});
