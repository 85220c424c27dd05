import { describe, expect, it } from "vitest";
import { evaluateIam } from "../../src/iam/evaluate.js";
import type { IamPolicyDocument, IamRequest } from "../../src/iam/types.js";

const ACCOUNT = "111122223333";
const arn = (region: string, id = "e2d0fa53-8ee0-41a0-8e56-0EXAMPLE1051") =>
  `arn:aws:lightsail:${region}:${ACCOUNT}:DiskSnapshot/${id}`;
const del = (
  resourceTags: Record<string, string> = {},
  resource = arn("us-east-1"),
): IamRequest => ({
  action: "lightsail:DeleteDiskSnapshot",
  resource,
  resourceTags,
});

describe("statement matching", () => {
  it("accepts a single statement object as well as a list", () => {
    const single: IamPolicyDocument = {
      Statement: { Effect: "Allow", Action: "lightsail:*", Resource: "*" },
    };
    expect(evaluateIam(single, del())).toEqual({ effect: "allow", statement: "Statement[0]" });
  });

  it("matches actions case-insensitively, with * and ?", () => {
    const p = (Action: string): IamPolicyDocument => ({
      Statement: [{ Effect: "Allow", Action, Resource: "*" }],
    });
    expect(evaluateIam(p("LIGHTSAIL:deletedisksnapshot"), del()).effect).toBe("allow");
    expect(evaluateIam(p("lightsail:Delete*"), del()).effect).toBe("allow");
    expect(evaluateIam(p("lightsail:DeleteDiskSnapsho?"), del()).effect).toBe("allow");
    expect(evaluateIam(p("*"), del()).effect).toBe("allow");
    expect(evaluateIam(p("lightsail:Get*"), del()).effect).toBe("implicit-deny");
    expect(evaluateIam(p("ec2:DeleteSnapshot"), del()).effect).toBe("implicit-deny");
  });

  it("matches resources case-sensitively, with wildcards", () => {
    const p = (Resource: string | string[]): IamPolicyDocument => ({
      Statement: [{ Effect: "Allow", Action: "lightsail:DeleteDiskSnapshot", Resource }],
    });
    expect(
      evaluateIam(p(`arn:aws:lightsail:us-east-1:${ACCOUNT}:DiskSnapshot/*`), del()).effect,
    ).toBe("allow");
    expect(evaluateIam(p(`arn:aws:lightsail:*:${ACCOUNT}:DiskSnapshot/*`), del()).effect).toBe(
      "allow",
    );
    expect(
      evaluateIam(p(`arn:aws:lightsail:eu-west-2:${ACCOUNT}:DiskSnapshot/*`), del()).effect,
    ).toBe("implicit-deny");
    expect(
      evaluateIam(p(`arn:aws:lightsail:us-east-1:${ACCOUNT}:disksnapshot/*`), del()).effect,
    ).toBe("implicit-deny");
    expect(
      evaluateIam(
        p([`arn:aws:lightsail:eu-west-2:${ACCOUNT}:DiskSnapshot/*`, arn("us-east-1")]),
        del(),
      ).effect,
    ).toBe("allow");
  });

  it('a statement on a specific ARN does not cover a request on "*" (actions without resource types)', () => {
    const p: IamPolicyDocument = {
      Statement: [
        {
          Effect: "Allow",
          Action: "lightsail:GetDiskSnapshots",
          Resource: `arn:aws:lightsail:*:${ACCOUNT}:*`,
        },
      ],
    };
    expect(evaluateIam(p, { action: "lightsail:GetDiskSnapshots", resource: "*" }).effect).toBe(
      "implicit-deny",
    );
  });

  it("NotAction applies to every action except the listed ones", () => {
    const p: IamPolicyDocument = {
      Statement: [
        { Sid: "AllButDelete", Effect: "Allow", NotAction: ["lightsail:Delete*"], Resource: "*" },
      ],
    };
    expect(evaluateIam(p, { action: "lightsail:GetDisks", resource: "*" })).toEqual({
      effect: "allow",
      statement: "AllButDelete",
    });
    expect(evaluateIam(p, del()).effect).toBe("implicit-deny");
  });

  it("NotResource applies to every resource except the listed ones", () => {
    const p: IamPolicyDocument = {
      Statement: [
        { Effect: "Allow", Action: "lightsail:*", Resource: "*" },
        {
          Sid: "OnlyUsEast1",
          Effect: "Deny",
          Action: "lightsail:DeleteDiskSnapshot",
          NotResource: `arn:aws:lightsail:us-east-1:${ACCOUNT}:*`,
        },
      ],
    };
    expect(evaluateIam(p, del()).effect).toBe("allow");
    expect(evaluateIam(p, del({}, arn("eu-west-2")))).toEqual({
      effect: "explicit-deny",
      statement: "OnlyUsEast1",
    });
  });
});

describe("combining statements", () => {
  const policy: IamPolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowStorage",
        Effect: "Allow",
        Action: "lightsail:DeleteDiskSnapshot",
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/team": "storage" } },
      },
      { Effect: "Allow", Action: "lightsail:*", Resource: "*" },
      {
        Sid: "DenyProd",
        Effect: "Deny",
        Action: "lightsail:Delete*",
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/env": "prod" } },
      },
    ],
  };

  it("an explicit Deny beats any number of Allows", () => {
    expect(evaluateIam(policy, del({ team: "storage", env: "prod" }))).toEqual({
      effect: "explicit-deny",
      statement: "DenyProd",
    });
  });

  it("names the first Allow that applies, by Sid or by index", () => {
    expect(evaluateIam(policy, del({ team: "storage" }))).toEqual({
      effect: "allow",
      statement: "AllowStorage",
    });
    expect(evaluateIam(policy, del({ team: "web" }))).toEqual({
      effect: "allow",
      statement: "Statement[1]",
    });
  });

  it("nothing applicable is an implicit deny; an empty policy allows nothing", () => {
    const onlyGets: IamPolicyDocument = {
      Statement: [{ Effect: "Allow", Action: "lightsail:Get*", Resource: "*" }],
    };
    expect(evaluateIam(onlyGets, del())).toEqual({ effect: "implicit-deny" });
    expect(evaluateIam([], del())).toEqual({ effect: "implicit-deny" });
  });

  it("evaluates several documents together: a Deny in one beats an Allow in another", () => {
    const allowAll: IamPolicyDocument = {
      Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
    };
    const denyDeletes: IamPolicyDocument = {
      Statement: [{ Effect: "Deny", Action: "lightsail:Delete*", Resource: "*" }],
    };
    expect(evaluateIam([allowAll, denyDeletes], del())).toEqual({
      effect: "explicit-deny",
      statement: "Policy[1].Statement[0]",
    });
    expect(
      evaluateIam([allowAll, denyDeletes], { action: "lightsail:GetDisks", resource: "*" }),
    ).toEqual({
      effect: "allow",
      statement: "Policy[0].Statement[0]",
    });
  });
});

describe("the developer guide's example policies (lightsail-api.md §4)", () => {
  const tagBased: IamPolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["lightsail:Create*", "lightsail:TagResource", "lightsail:UntagResource"],
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestTag/allow": "true" } },
      },
      {
        Effect: "Allow",
        Action: ["lightsail:Delete*", "lightsail:TagResource", "lightsail:UntagResource"],
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceTag/allow": "true" } },
      },
    ],
  };
  const denyRetag: IamPolicyDocument = {
    Statement: [
      { Effect: "Allow", Action: "lightsail:*", Resource: "*" },
      {
        Effect: "Deny",
        Action: ["lightsail:TagResource"],
        Resource: "*",
        Condition: { StringNotEquals: { "aws:ResourceTag/allow": "false" } },
      },
    ],
  };

  it("allows Create only when the request carries allow=true", () => {
    const create = (requestTags?: Record<string, string>): IamRequest => ({
      action: "lightsail:CreateDiskSnapshot",
      resource: "*",
      requestTags,
    });
    expect(evaluateIam(tagBased, create({ allow: "true" }))).toEqual({
      effect: "allow",
      statement: "Statement[0]",
    });
    expect(evaluateIam(tagBased, create({ allow: "false" })).effect).toBe("implicit-deny");
    expect(evaluateIam(tagBased, create()).effect).toBe("implicit-deny");
  });

  it("allows Delete only when the resource carries allow=true", () => {
    expect(evaluateIam(tagBased, del({ allow: "true" }))).toEqual({
      effect: "allow",
      statement: "Statement[1]",
    });
    expect(evaluateIam(tagBased, del({ allow: "True" })).effect).toBe("implicit-deny");
    expect(evaluateIam(tagBased, del({})).effect).toBe("implicit-deny");
    // A request tag does not stand in for a resource tag.
    expect(evaluateIam(tagBased, { ...del({}), requestTags: { allow: "true" } }).effect).toBe(
      "implicit-deny",
    );
  });

  it("denies tagging resources unless they carry allow=false — untagged ones included", () => {
    const tag = (resourceTags: Record<string, string>): IamRequest => ({
      action: "lightsail:TagResource",
      resource: arn("us-east-1"),
      resourceTags,
      requestTags: { allow: "true" },
    });
    expect(evaluateIam(denyRetag, tag({ allow: "false" })).effect).toBe("allow");
    expect(evaluateIam(denyRetag, tag({ allow: "true" })).effect).toBe("explicit-deny");
    expect(evaluateIam(denyRetag, tag({})).effect).toBe("explicit-deny");
    expect(evaluateIam(denyRetag, del({ allow: "true" })).effect).toBe("allow");
  });
});

describe("fail closed on documents that skipped parseIamPolicy", () => {
  const broken = (stmt: Record<string, unknown>) =>
    ({ Statement: [stmt] }) as unknown as IamPolicyDocument;

  it("an Allow with an unknown operator grants nothing", () => {
    const p = broken({
      Effect: "Allow",
      Action: "*",
      Resource: "*",
      Condition: { StringEqualz: { "aws:ResourceTag/a": "b" } },
    });
    expect(evaluateIam(p, del({ a: "b" })).effect).toBe("implicit-deny");
  });

  it("a Deny with an unknown operator, or missing its Action, denies", () => {
    const allow = { Effect: "Allow", Action: "*", Resource: "*" };
    const p1 = {
      Statement: [
        allow,
        {
          Sid: "Odd",
          Effect: "Deny",
          Action: "*",
          Resource: "*",
          Condition: { Weird: { k: "v" } },
        },
      ],
    };
    expect(evaluateIam(p1 as unknown as IamPolicyDocument, del())).toEqual({
      effect: "explicit-deny",
      statement: "Odd",
    });
    const p2 = { Statement: [allow, { Effect: "Deny", Resource: "*" }] };
    expect(evaluateIam(p2 as unknown as IamPolicyDocument, del()).effect).toBe("explicit-deny");
  });

  it("an unknown Effect denies", () => {
    const p = {
      Statement: [
        { Effect: "Allow", Action: "*", Resource: "*" },
        { Effect: "allow", Action: "*", Resource: "*" },
      ],
    };
    expect(evaluateIam(p as unknown as IamPolicyDocument, del()).effect).toBe("explicit-deny");
  });
});
