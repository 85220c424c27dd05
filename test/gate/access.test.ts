import { describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import type { LiveSnapshot, Tags } from "../../src/core/model.js";
import {
  type AccessRules,
  accessCheck,
  accessRulesFor,
  checkAccess,
} from "../../src/gate/access.js";
import { parseIamPolicy } from "../../src/iam/parse-policy.js";

const ACCOUNT = "111122223333";

function snapshot(name: string, tags: Tags, region = "us-east-1"): LiveSnapshot {
  return {
    region,
    name,
    arn: `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/${name}-0000-4000-8000-000000000000`,
    createdAt: "2026-11-01T03:00:00.000Z",
    sizeInGb: 64,
    state: "completed",
    fromDiskName: "web-data",
    isFromAutoSnapshot: false,
    tags,
  };
}

const rules = (allow: Tags[], deny: Tags[]): AccessRules => ({
  allow: allow.map((matchTags) => ({ matchTags })),
  deny: deny.map((matchTags) => ({ matchTags })),
});

describe("checkAccess with tag rules", () => {
  const spec = rules([{ team: "storage" }], [{ env: "prod" }]);

  it("passes a snapshot that matches an allow rule and no deny rule", () => {
    expect(checkAccess(spec, snapshot("a", { team: "storage", env: "dev" }))).toEqual({
      allowed: true,
    });
  });

  it("blocks on a deny rule, naming it", () => {
    expect(checkAccess(spec, snapshot("b", { team: "storage", env: "prod" }))).toEqual({
      allowed: false,
      reasons: ["access deny rule #1 (env=prod) matches"],
    });
  });

  it("blocks when no allow rule matches, listing the rules", () => {
    expect(checkAccess(spec, snapshot("c", { team: "web" }))).toEqual({
      allowed: false,
      reasons: ["no access allow rule matches (rules: team=storage)"],
    });
  });

  it("gives every reason at once", () => {
    const many = rules(
      [{ team: "storage" }, { team: "web", tier: "*" }],
      [{ env: "prod" }, { "legal-hold": "*" }],
    );
    expect(checkAccess(many, snapshot("d", { team: "db", env: "prod", "legal-hold": "" }))).toEqual(
      {
        allowed: false,
        reasons: [
          "access deny rule #1 (env=prod) matches",
          "access deny rule #2 (legal-hold=*) matches",
          "no access allow rule matches (rules: team=storage; team=web, tier=*)",
        ],
      },
    );
    expect(checkAccess(many, snapshot("e", { team: "web", tier: "gold" }))).toEqual({
      allowed: true,
    });
    expect(checkAccess(many, snapshot("f", { team: "web" })).allowed).toBe(false);
  });

  it("with no allow rules, everything not denied passes; with no rules, everything passes", () => {
    expect(checkAccess(rules([], [{ env: "prod" }]), snapshot("g", {}))).toEqual({ allowed: true });
    expect(checkAccess(rules([], []), snapshot("h", { env: "prod" }))).toEqual({ allowed: true });
  });

  it("refuses a tag key that differs from a deny rule key only in case: the rule matches", () => {
    expect(checkAccess(spec, snapshot("i", { team: "storage", Env: "prod" }))).toEqual({
      allowed: false,
      reasons: ["access deny rule #1 (env=prod) matches"],
    });
  });

  it("an allow rule matches a key differing only in case, as IAM does", () => {
    expect(checkAccess(spec, snapshot("j", { TEAM: "storage", env: "dev" }))).toEqual({
      allowed: true,
    });
  });

  it("keys folding to one: a deny rule matches if any does, an allow rule only if all do", () => {
    expect(checkAccess(spec, snapshot("k", { team: "storage", env: "dev", ENV: "prod" }))).toEqual({
      allowed: false,
      reasons: ["access deny rule #1 (env=prod) matches"],
    });
    expect(checkAccess(spec, snapshot("l", { team: "storage", Team: "web" }))).toEqual({
      allowed: false,
      reasons: ["no access allow rule matches (rules: team=storage)"],
    });
  });
});

describe("checkAccess with an IAM policy document", () => {
  const FILE = "iam/reconciler.json";
  const document = parseIamPolicy(
    FILE,
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowManaged",
          Effect: "Allow",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: `arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/*`,
          Condition: { StringEquals: { "aws:ResourceTag/managed-by": "snapgate" } },
        },
        {
          Sid: "DenyProd",
          Effect: "Deny",
          Action: "lightsail:Delete*",
          Resource: "*",
          Condition: { StringEquals: { "aws:ResourceTag/env": "prod" } },
        },
      ],
    }),
  );
  const withIam: AccessRules = { ...rules([], []), iamPolicy: { file: FILE, document } };

  it("passes what the document allows", () => {
    expect(checkAccess(withIam, snapshot("a", { "managed-by": "snapgate" }))).toEqual({
      allowed: true,
    });
  });

  it("blocks an explicit deny, naming the statement", () => {
    expect(checkAccess(withIam, snapshot("b", { "managed-by": "snapgate", env: "prod" }))).toEqual({
      allowed: false,
      reasons: [
        `IAM policy ${FILE} denies lightsail:DeleteDiskSnapshot: explicit deny by statement "DenyProd"`,
      ],
    });
  });

  it("blocks an implicit deny: wrong tags, or an ARN outside the allowed region", () => {
    const implicit = `IAM policy ${FILE} denies lightsail:DeleteDiskSnapshot: no statement allows it`;
    expect(checkAccess(withIam, snapshot("c", { "managed-by": "someone" }))).toEqual({
      allowed: false,
      reasons: [implicit],
    });
    expect(checkAccess(withIam, snapshot("d", { "managed-by": "snapgate" }, "eu-west-2"))).toEqual({
      allowed: false,
      reasons: [implicit],
    });
  });

  it("applies tag rules and the document together", () => {
    const both: AccessRules = {
      ...rules([{ team: "storage" }], []),
      iamPolicy: { file: FILE, document },
    };
    expect(checkAccess(both, snapshot("e", { "managed-by": "snapgate", env: "prod" }))).toEqual({
      allowed: false,
      reasons: [
        "no access allow rule matches (rules: team=storage)",
        `IAM policy ${FILE} denies lightsail:DeleteDiskSnapshot: explicit deny by statement "DenyProd"`,
      ],
    });
  });

  it("accessRulesFor binds the spec's path to the loaded document, and refuses a missing one", () => {
    const spec = { allow: [], deny: [{ matchTags: { env: "prod" } }], iamPolicy: FILE };
    const check = accessCheck(accessRulesFor(spec, document));
    expect(check(snapshot("f", { "managed-by": "snapgate" }))).toEqual({ allowed: true });
    expect(check(snapshot("g", { "managed-by": "snapgate", env: "prod" }))).toEqual({
      allowed: false,
      reasons: [
        "access deny rule #1 (env=prod) matches",
        `IAM policy ${FILE} denies lightsail:DeleteDiskSnapshot: explicit deny by statement "DenyProd"`,
      ],
    });
    expect(() => accessRulesFor(spec)).toThrow(SnapgateError);
    expect(accessRulesFor({ allow: [], deny: [] }).iamPolicy).toBeUndefined();
  });
});
