/**
 * Two ways a snapshot meant to stay was deleted, reproduced through the built
 * CLI against the emulator and a real git repository:
 * - a `Legal-Hold` tag under `protect: {matchTags: {legal-hold: "*"}}`
 *   (tag keys compared case-sensitively, while IAM does not);
 * - a typo in `keep` (`media-before-cnd` for `media-before-cdn`).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FleetSeedInput } from "../../src/emulator/index.js";
import { runCli } from "../helpers/cli.js";
import {
  ACCOUNT,
  ago,
  makeWorld,
  NOW_MS,
  RECONCILER,
  type World,
  webSet,
} from "../helpers/scenario.js";

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

const snapshot = (name: string, days: number, tags: Record<string, string>) => ({
  name,
  fromDisk: "web-data",
  createdAt: ago(days),
  tags,
});

function fleet(snapshots: ReturnType<typeof snapshot>[]): FleetSeedInput {
  return {
    account: ACCOUNT,
    regions: {
      "us-east-1": {
        disks: [{ name: "web-data", sizeInGb: 64, tags: { team: "web" } }],
        snapshots,
      },
      "eu-west-2": { disks: [], snapshots: [] },
    },
  };
}

const MANAGED = { "managed-by": "snapgate" };

async function planToFile(w: World, extra: string[] = []) {
  const planFile = path.join(w.stateDir, "..", "plan.json");
  const text = await runCli(
    ["plan", "--repo", w.repo.dir, "--out", planFile, "--detailed-exitcode", ...extra],
    envFor(w),
  );
  const plan = JSON.parse(await readFile(planFile, "utf8"));
  return { text, plan, planFile };
}

const blockedBy = (plan: { blocked: { name: string; blockedBy: unknown[] }[] }, name: string) =>
  plan.blocked.find((b) => b.name === name)?.blockedBy;

describe("protect matches tag keys case-insensitively", () => {
  it("a Legal-Hold=case-99 snapshot under protect legal-hold: * is blocked by protect and apply deletes nothing of it", async () => {
    world = await makeWorld({
      fleet: fleet([
        snapshot("web-1", 1, MANAGED),
        snapshot("web-old", 30, MANAGED),
        snapshot("web-held", 60, { ...MANAGED, "Legal-Hold": "case-99" }),
      ]),
    });
    expect(RECONCILER).toContain('protect:\n    matchTags: { legal-hold: "*" }');
    const { text, plan, planFile } = await planToFile(world);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/x us-east-1\s+web-held/);
    expect(text.stdout).toContain("protected: matches protect.matchTags (legal-hold=*)");
    expect(plan.deletions.map((d: { name: string }) => d.name)).toEqual(["web-old"]);
    expect(blockedBy(plan, "web-held")).toContainEqual({
      kind: "protect",
      message: "protected: matches protect.matchTags (legal-hold=*)",
    });

    const a = await runCli(
      ["apply", planFile, "--auto-approve", "--format", "json"],
      envFor(world),
    );
    expect(a.code).toBe(0);
    expect(world.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old"]);
    expect(
      world.emulator
        .snapshots("us-east-1")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["web-1", "web-held"]);
  });
});

describe("a typo in keep does not delete the snapshot it meant to keep", () => {
  const TYPO = 'keep: "media-before-cnd" is not live; did you mean "media-before-cdn"?';

  it("plan blocks the near miss with the guard message and exits 2; apply deletes nothing of it; audit is not compliant", async () => {
    world = await makeWorld({
      fleet: fleet([
        snapshot("web-1", 1, MANAGED),
        snapshot("web-old", 30, MANAGED),
        snapshot("media-before-cdn", 40, MANAGED),
      ]),
      files: {
        "snapgate.yaml": RECONCILER,
        "snapshots/web.yaml": webSet(["web-1", "media-before-cnd"]),
      },
    });
    const { text, plan, planFile } = await planToFile(world);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/x us-east-1\s+media-before-cdn/);
    expect(text.stdout).toContain(TYPO);
    expect(text.stdout).toMatch(/\? us-east-1\s+media-before-cnd/);
    expect(plan.deletions.map((d: { name: string }) => d.name)).toEqual(["web-old"]);
    expect(blockedBy(plan, "media-before-cdn")).toEqual([{ kind: "guard", message: TYPO }]);
    expect(plan.missing).toEqual([{ region: "us-east-1", name: "media-before-cnd" }]);

    const a = await runCli(
      ["apply", planFile, "--auto-approve", "--format", "json"],
      envFor(world),
    );
    expect(a.code).toBe(0);
    expect(world.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old"]);

    const audit = await runCli(["audit", "--repo", world.repo.dir], envFor(world));
    expect(audit.code).toBe(4);
    expect(audit.stdout).toContain("NOT COMPLIANT");
  });

  it("a keep name that is not live is pending for --detailed-exitcode even with nothing to delete", async () => {
    world = await makeWorld({
      fleet: fleet([snapshot("web-1", 1, MANAGED), snapshot("media-before-cdn", 40, MANAGED)]),
      files: {
        "snapgate.yaml": RECONCILER,
        "snapshots/web.yaml": webSet(["web-1", "media-before-cnd"]),
      },
    });
    const { text, plan } = await planToFile(world);
    expect(plan.deletions).toEqual([]);
    expect(plan.summary).toMatchObject({ deletions: 0, blocked: 1, missing: 1 });
    expect(text.code).toBe(2);

    const plain = await runCli(["plan", "--repo", world.repo.dir], envFor(world));
    expect(plain.code).toBe(0);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
  });
});
