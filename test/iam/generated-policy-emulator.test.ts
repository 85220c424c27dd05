/**
 * What snapgate checks locally is what AWS enforces: a principal whose
 * policy is the generated one can delete, through the real SDK against the
 * emulator, exactly the snapshots that scope + protect + checkAccess approve,
 * and gets AccessDeniedException on every other one.
 */
import {
  AccessDeniedException,
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotsCommand,
  GetRegionsCommand,
  LightsailClient,
} from "@aws-sdk/client-lightsail";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LiveSnapshot } from "../../src/core/model.js";
import { matchesTags } from "../../src/core/tags.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { accessRulesFor, checkAccess } from "../../src/gate/access.js";
import { generateIamPolicy, type IamPolicyInputs } from "../../src/iam/generate-policy.js";

const ACCOUNT = "111122223333";
const KEY = "AKIDRECONCILER";
const SECRET = "reconciler-secret";

const SPEC: IamPolicyInputs = {
  account: ACCOUNT,
  regions: ["us-east-1", "eu-west-2"],
  scope: { matchTags: { "managed-by": "snapgate" } },
  protect: { matchTags: { "legal-hold": "*" } },
  access: {
    allow: [{ matchTags: { team: "storage" } }, { matchTags: { team: "web", tier: "*" } }],
    deny: [{ matchTags: { env: "prod" } }],
  },
};

/** name → tags; every snapshot exists in each of the three regions below. */
const TAGGED: Record<string, Record<string, string>> = {
  "storage-ok": { "managed-by": "snapgate", team: "storage" },
  "web-tiered": { "managed-by": "snapgate", team: "web", tier: "gold" },
  "web-untiered": { "managed-by": "snapgate", team: "web" },
  "storage-prod": { "managed-by": "snapgate", team: "storage", env: "prod" },
  "storage-dev": { "managed-by": "snapgate", team: "storage", env: "dev" },
  "storage-held": { "managed-by": "snapgate", team: "storage", "legal-hold": "" },
  "out-of-scope": { "managed-by": "terraform", team: "storage" },
  untagged: {},
  "db-team": { "managed-by": "snapgate", team: "db" },
  "case-clash": { "managed-by": "snapgate", team: "storage", ENV: "prod" },
};
const REGIONS = ["us-east-1", "eu-west-2", "ap-south-1"];

function snapgateApproves(s: LiveSnapshot): boolean {
  return (
    SPEC.regions.includes(s.region) &&
    matchesTags(s.tags, SPEC.scope.matchTags) &&
    !(SPEC.protect && matchesTags(s.tags, SPEC.protect.matchTags)) &&
    checkAccess(accessRulesFor(SPEC.access), s).allowed
  );
}

describe("the generated IAM policy, enforced by the emulator", () => {
  let emulator: RunningEmulator;
  const client = (region: string) =>
    new LightsailClient({
      endpoint: emulator.url,
      region,
      credentials: { accessKeyId: KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });

  beforeAll(async () => {
    const snapshots = Object.entries(TAGGED).map(([name, tags]) => ({
      name,
      createdAt: "2026-10-01T03:00:00Z",
      sizeInGb: 8,
      state: "completed" as const,
      tags,
    }));
    emulator = await startEmulator({
      seed: {
        account: ACCOUNT,
        principals: [
          { accessKeyId: KEY, secretAccessKey: SECRET, policy: generateIamPolicy(SPEC) },
        ],
        regions: Object.fromEntries(REGIONS.map((r) => [r, { snapshots }])),
      },
    });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it("lets the principal make the read calls snapgate needs", async () => {
    const listed = await client("us-east-1").send(new GetDiskSnapshotsCommand({}));
    expect(listed.diskSnapshots?.map((s) => s.name).sort()).toEqual(Object.keys(TAGGED).sort());
    await expect(client("us-east-1").send(new GetRegionsCommand({}))).resolves.toBeDefined();
  });

  it("deletes exactly what snapgate approves and is denied the rest", async () => {
    const live: LiveSnapshot[] = emulator.snapshots().map((s) => ({
      region: s.region,
      name: s.name,
      arn: s.arn,
      createdAt: s.createdAt.toISOString(),
      sizeInGb: s.sizeInGb,
      state: s.state,
      isFromAutoSnapshot: s.isFromAutoSnapshot,
      tags: s.tags,
    }));
    expect(live).toHaveLength(Object.keys(TAGGED).length * REGIONS.length);

    const outcomes: { where: string; approved: boolean; deleted: boolean }[] = [];
    for (const s of live) {
      let deleted: boolean;
      try {
        await client(s.region).send(new DeleteDiskSnapshotCommand({ diskSnapshotName: s.name }));
        deleted = true;
      } catch (err) {
        expect(err).toBeInstanceOf(AccessDeniedException);
        deleted = false;
      }
      outcomes.push({ where: `${s.region}/${s.name}`, approved: snapgateApproves(s), deleted });
    }

    for (const o of outcomes)
      expect({ where: o.where, deleted: o.deleted }).toEqual({
        where: o.where,
        deleted: o.approved,
      });
    // The fleet was built to exercise both outcomes; make sure it did.
    const approved = outcomes
      .filter((o) => o.approved)
      .map((o) => o.where)
      .sort();
    expect(approved).toEqual([
      "eu-west-2/storage-dev",
      "eu-west-2/storage-ok",
      "eu-west-2/web-tiered",
      "us-east-1/storage-dev",
      "us-east-1/storage-ok",
      "us-east-1/web-tiered",
    ]);
    const remaining = emulator.snapshots().map((s) => `${s.region}/${s.name}`);
    for (const where of approved) expect(remaining).not.toContain(where);
    expect(remaining).toHaveLength(live.length - approved.length);
  });
});
