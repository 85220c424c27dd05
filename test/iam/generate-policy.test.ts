import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccessSpec, LiveSnapshot, TagMatch, Tags } from "../../src/core/model.js";
import { matchesTags } from "../../src/core/tags.js";
import { accessRulesFor, checkAccess } from "../../src/gate/access.js";
import { evaluateIam } from "../../src/iam/evaluate.js";
import { generateIamPolicy, type IamPolicyInputs } from "../../src/iam/generate-policy.js";
import { parseIamPolicy } from "../../src/iam/parse-policy.js";

const ACCOUNT = "111122223333";

function snapshot(
  tags: Tags,
  region = "us-east-1",
  id = "e2d0fa53-8ee0-41a0-8e56-0EXAMPLE1051",
): LiveSnapshot {
  return {
    region,
    name: `snap-${id}`,
    arn: `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/${id}`,
    createdAt: "2026-11-01T03:00:00.000Z",
    sizeInGb: 8,
    state: "completed",
    isFromAutoSnapshot: false,
    tags,
  };
}

/** What snapgate itself decides for a candidate: in scope (region + tags), not protected, access allowed. */
function snapgateAllows(spec: IamPolicyInputs, s: LiveSnapshot): boolean {
  return (
    spec.regions.includes(s.region) &&
    matchesTags(s.tags, spec.scope.matchTags) &&
    !(spec.protect && matchesTags(s.tags, spec.protect.matchTags)) &&
    checkAccess(accessRulesFor(spec.access), s).allowed
  );
}

function iamAllows(spec: IamPolicyInputs, s: LiveSnapshot): boolean {
  const decision = evaluateIam(generateIamPolicy(spec), {
    action: "lightsail:DeleteDiskSnapshot",
    resource: s.arn,
    resourceTags: s.tags,
  });
  return decision.effect === "allow";
}

const match = (matchTags: Tags): TagMatch => ({ matchTags });
const access = (allow: Tags[], deny: Tags[]): AccessSpec => ({
  allow: allow.map(match),
  deny: deny.map(match),
});

const EXAMPLE: IamPolicyInputs = {
  account: ACCOUNT,
  regions: ["us-east-1", "eu-west-2"],
  scope: { matchTags: { "managed-by": "snapgate" } },
  protect: match({ "legal-hold": "*" }),
  access: access([{ team: "storage" }, { team: "web", tier: "*" }], [{ env: "prod" }]),
};

describe("generateIamPolicy", () => {
  it("adds lightsail:GetInstances to the reads only when freshness makes snapgate list instances", () => {
    const reads = (listsInstances: boolean) =>
      [generateIamPolicy({ ...EXAMPLE, listsInstances }).Statement].flat()[0]?.Action;
    expect(reads(false)).not.toContain("lightsail:GetInstances");
    expect(reads(true)).toEqual([
      "lightsail:GetDiskSnapshots",
      "lightsail:GetDiskSnapshot",
      "lightsail:GetDisks",
      "lightsail:GetDisk",
      "lightsail:GetInstances",
      "lightsail:GetOperation",
      "lightsail:GetOperations",
      "lightsail:GetOperationsForResource",
      "lightsail:GetRegions",
      "sts:GetCallerIdentity",
    ]);
  });

  it("writes the expected statements, in a stable order with stable Sids", () => {
    expect(generateIamPolicy(EXAMPLE)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadInventory",
          Effect: "Allow",
          Action: [
            "lightsail:GetDiskSnapshots",
            "lightsail:GetDiskSnapshot",
            "lightsail:GetDisks",
            "lightsail:GetDisk",
            "lightsail:GetOperation",
            "lightsail:GetOperations",
            "lightsail:GetOperationsForResource",
            "lightsail:GetRegions",
            "sts:GetCallerIdentity",
          ],
          Resource: "*",
        },
        {
          Sid: "DeleteAllowRule1",
          Effect: "Allow",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: [
            `arn:aws:lightsail:eu-west-2:${ACCOUNT}:DiskSnapshot/*`,
            `arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/*`,
          ],
          Condition: {
            StringEquals: {
              "aws:ResourceTag/managed-by": "snapgate",
              "aws:ResourceTag/team": "storage",
            },
          },
        },
        {
          Sid: "DeleteAllowRule2",
          Effect: "Allow",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: [
            `arn:aws:lightsail:eu-west-2:${ACCOUNT}:DiskSnapshot/*`,
            `arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/*`,
          ],
          Condition: {
            StringEquals: {
              "aws:ResourceTag/managed-by": "snapgate",
              "aws:ResourceTag/team": "web",
            },
            Null: { "aws:ResourceTag/tier": "false" },
          },
        },
        {
          Sid: "DenyAccessRule1",
          Effect: "Deny",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: "*",
          Condition: { StringEquals: { "aws:ResourceTag/env": "prod" } },
        },
        {
          Sid: "DenyProtected",
          Effect: "Deny",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: "*",
          Condition: { Null: { "aws:ResourceTag/legal-hold": "false" } },
        },
      ],
    });
  });

  it("is a valid policy document: it survives JSON and parseIamPolicy unchanged", () => {
    const policy = generateIamPolicy(EXAMPLE);
    expect(parseIamPolicy("generated.json", JSON.stringify(policy, null, 2))).toEqual(policy);
  });

  it("is deterministic whatever the order of the configured regions", () => {
    const reordered = { ...EXAMPLE, regions: ["eu-west-2", "us-east-1", "eu-west-2"] };
    expect(JSON.stringify(generateIamPolicy(reordered))).toBe(
      JSON.stringify(generateIamPolicy(EXAMPLE)),
    );
  });

  it("uses one DeleteInScope statement when there are no allow rules, and no Deny without rules", () => {
    const policy = generateIamPolicy({
      account: ACCOUNT,
      regions: ["us-east-1"],
      scope: { matchTags: {} },
      access: access([], []),
    });
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Sid: "ReadInventory" }),
      {
        Sid: "DeleteInScope",
        Effect: "Allow",
        Action: "lightsail:DeleteDiskSnapshot",
        Resource: [`arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/*`],
      },
    ]);
  });

  it("one Deny carries all protect tags, since protect matches only when all do", () => {
    const policy = generateIamPolicy({
      ...EXAMPLE,
      protect: match({ "legal-hold": "*", owner: "legal" }),
    });
    const statements = policy.Statement as { Sid?: string }[];
    expect(statements.filter((s) => s.Sid?.startsWith("DenyProtected"))).toEqual([
      {
        Sid: "DenyProtected",
        Effect: "Deny",
        Action: "lightsail:DeleteDiskSnapshot",
        Resource: "*",
        Condition: {
          StringEquals: { "aws:ResourceTag/owner": "legal" },
          Null: { "aws:ResourceTag/legal-hold": "false" },
        },
      },
    ]);
  });

  it("merges scope and rule tags: a concrete value beats *, a contradiction drops the statement", () => {
    const spec: IamPolicyInputs = {
      account: ACCOUNT,
      regions: ["us-east-1"],
      scope: { matchTags: { team: "*", "managed-by": "snapgate" } },
      access: access([{ team: "storage" }, { "managed-by": "someone-else" }], []),
    };
    const sids = (generateIamPolicy(spec).Statement as { Sid?: string }[]).map((s) => s.Sid);
    expect(sids).toEqual(["ReadInventory", "DeleteAllowRule1"]);
    expect(iamAllows(spec, snapshot({ team: "storage", "managed-by": "snapgate" }))).toBe(true);
    expect(iamAllows(spec, snapshot({ team: "web", "managed-by": "snapgate" }))).toBe(false);
  });
});

describe("the generated policy agrees with snapgate's own checks", () => {
  const cases: [string, LiveSnapshot, boolean][] = [
    ["in scope, allowed team", snapshot({ "managed-by": "snapgate", team: "storage" }), true],
    [
      "in scope, second allow rule",
      snapshot({ "managed-by": "snapgate", team: "web", tier: "" }),
      true,
    ],
    ["second allow rule without tier", snapshot({ "managed-by": "snapgate", team: "web" }), false],
    [
      "other region in the list",
      snapshot({ "managed-by": "snapgate", team: "storage" }, "eu-west-2"),
      true,
    ],
    [
      "region not configured",
      snapshot({ "managed-by": "snapgate", team: "storage" }, "ap-south-1"),
      false,
    ],
    ["out of scope", snapshot({ "managed-by": "terraform", team: "storage" }), false],
    ["no scope tag", snapshot({ team: "storage" }), false],
    ["denied env", snapshot({ "managed-by": "snapgate", team: "storage", env: "prod" }), false],
    ["other env", snapshot({ "managed-by": "snapgate", team: "storage", env: "dev" }), true],
    [
      "protected",
      snapshot({ "managed-by": "snapgate", team: "storage", "legal-hold": "2027" }),
      false,
    ],
    [
      "protected with an empty value",
      snapshot({ "managed-by": "snapgate", team: "storage", "legal-hold": "" }),
      false,
    ],
    ["no allow rule matches", snapshot({ "managed-by": "snapgate", team: "db" }), false],
    ["values are case-sensitive", snapshot({ "managed-by": "snapgate", team: "Storage" }), false],
  ];

  it.each(cases)("%s", (_name, s, expected) => {
    expect(snapgateAllows(EXAMPLE, s)).toBe(expected);
    expect(iamAllows(EXAMPLE, s)).toBe(expected);
  });

  it("an access-rule key differing only in case: both refuse", () => {
    const s = snapshot({ "managed-by": "snapgate", team: "storage", ENV: "prod" });
    expect(snapgateAllows(EXAMPLE, s)).toBe(false);
    expect(iamAllows(EXAMPLE, s)).toBe(false);
  });

  it("property: for random rules and random tag sets, IAM allows exactly what snapgate allows", () => {
    const REGIONS = ["us-east-1", "eu-west-2", "ap-south-1"];
    const key = fc.constantFrom("team", "env", "tier", "legal-hold", "managed-by");
    const ruleValue = fc.constantFrom("storage", "web", "prod", "", "*");
    const tagValue = fc.constantFrom("storage", "web", "prod", "", "*", "Prod");
    const rule = fc.dictionary(key, ruleValue, { maxKeys: 3 });
    const spec = fc.record({
      regions: fc.subarray(REGIONS, { minLength: 1 }),
      scope: rule,
      protect: fc.option(rule, { nil: undefined }),
      allow: fc.array(rule, { maxLength: 3 }),
      deny: fc.array(rule, { maxLength: 3 }),
    });
    const snap = fc.record({
      region: fc.constantFrom(...REGIONS),
      tags: fc.dictionary(key, tagValue, { maxKeys: 5 }),
    });

    fc.assert(
      fc.property(spec, fc.array(snap, { minLength: 1, maxLength: 10 }), (sp, snaps) => {
        const source: IamPolicyInputs = {
          account: ACCOUNT,
          regions: sp.regions,
          scope: { matchTags: sp.scope },
          ...(sp.protect ? { protect: match(sp.protect) } : {}),
          access: access(sp.allow, sp.deny),
        };
        for (const [i, s] of snaps.entries()) {
          const live = snapshot(s.tags, s.region, `0000000${i}-0000-4000-8000-000000000000`);
          expect(iamAllows(source, live)).toBe(snapgateAllows(source, live));
        }
      }),
      { numRuns: 500 },
    );
  });
});
