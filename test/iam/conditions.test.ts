import { describe, expect, it } from "vitest";
import { evaluateIam } from "../../src/iam/evaluate.js";
import type { IamPolicyDocument, IamRequest } from "../../src/iam/types.js";

const ARN =
  "arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/e2d0fa53-8ee0-41a0-8e56-0EXAMPLE1051";

/** An Allow on DeleteDiskSnapshot guarded by one condition block. */
function allowIf(
  condition: Record<string, Record<string, string | string[] | boolean>>,
): IamPolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Guarded",
        Effect: "Allow",
        Action: "lightsail:DeleteDiskSnapshot",
        Resource: "*",
        Condition: condition,
      },
    ],
  };
}

function allowed(
  condition: Record<string, Record<string, string | string[] | boolean>>,
  request: Partial<IamRequest> = {},
): boolean {
  const req: IamRequest = { action: "lightsail:DeleteDiskSnapshot", resource: ARN, ...request };
  return evaluateIam(allowIf(condition), req).effect === "allow";
}

const tagged = (tags: Record<string, string>) => ({ resourceTags: tags });

describe("string operators on aws:ResourceTag", () => {
  it("StringEquals: equal value, case-sensitive values, missing key false", () => {
    const c = { StringEquals: { "aws:ResourceTag/team": "storage" } };
    expect(allowed(c, tagged({ team: "storage" }))).toBe(true);
    expect(allowed(c, tagged({ team: "Storage" }))).toBe(false);
    expect(allowed(c, tagged({ env: "storage" }))).toBe(false);
    expect(allowed(c, {})).toBe(false);
  });

  it("StringEquals: several values for one key are OR'd", () => {
    const c = { StringEquals: { "aws:ResourceTag/team": ["storage", "web"] } };
    expect(allowed(c, tagged({ team: "web" }))).toBe(true);
    expect(allowed(c, tagged({ team: "db" }))).toBe(false);
  });

  it("several keys and several operators are AND'd", () => {
    const keys = {
      StringEquals: { "aws:ResourceTag/team": "storage", "aws:ResourceTag/env": "dev" },
    };
    expect(allowed(keys, tagged({ team: "storage", env: "dev" }))).toBe(true);
    expect(allowed(keys, tagged({ team: "storage", env: "prod" }))).toBe(false);
    const ops = {
      StringEquals: { "aws:ResourceTag/team": "storage" },
      StringNotEquals: { "aws:ResourceTag/env": "prod" },
    };
    expect(allowed(ops, tagged({ team: "storage", env: "dev" }))).toBe(true);
    expect(allowed(ops, tagged({ team: "storage", env: "prod" }))).toBe(false);
  });

  it("condition key names are case-insensitive, the tag-key part included", () => {
    expect(
      allowed({ StringEquals: { "AWS:RESOURCETAG/Team": "storage" } }, tagged({ team: "storage" })),
    ).toBe(true);
  });

  it("StringNotEquals: true for another value and for a missing key", () => {
    const c = { StringNotEquals: { "aws:ResourceTag/env": ["prod", "staging"] } };
    expect(allowed(c, tagged({ env: "dev" }))).toBe(true);
    expect(allowed(c, tagged({ env: "prod" }))).toBe(false);
    expect(allowed(c, tagged({ env: "staging" }))).toBe(false);
    expect(allowed(c, tagged({}))).toBe(true);
    expect(allowed(c, {})).toBe(true);
  });

  it("StringLike / StringNotLike with * and ?", () => {
    const like = { StringLike: { "aws:ResourceTag/team": ["stor*", "w?b"] } };
    expect(allowed(like, tagged({ team: "storage" }))).toBe(true);
    expect(allowed(like, tagged({ team: "web" }))).toBe(true);
    expect(allowed(like, tagged({ team: "webs" }))).toBe(false);
    expect(allowed(like, tagged({ team: "Storage" }))).toBe(false);
    expect(allowed(like, {})).toBe(false);
    const notLike = { StringNotLike: { "aws:ResourceTag/env": "prod*" } };
    expect(allowed(notLike, tagged({ env: "production" }))).toBe(false);
    expect(allowed(notLike, tagged({ env: "dev" }))).toBe(true);
    expect(allowed(notLike, {})).toBe(true);
  });

  it("StringEqualsIgnoreCase / StringNotEqualsIgnoreCase", () => {
    const eq = { StringEqualsIgnoreCase: { "aws:ResourceTag/env": "PROD" } };
    expect(allowed(eq, tagged({ env: "prod" }))).toBe(true);
    expect(allowed(eq, tagged({ env: "dev" }))).toBe(false);
    expect(allowed(eq, {})).toBe(false);
    const ne = { StringNotEqualsIgnoreCase: { "aws:ResourceTag/env": "PROD" } };
    expect(allowed(ne, tagged({ env: "Prod" }))).toBe(false);
    expect(allowed(ne, tagged({ env: "dev" }))).toBe(true);
    expect(allowed(ne, {})).toBe(true);
  });
});

describe("Null and Bool", () => {
  it('Null "false" requires the key, "true" requires its absence', () => {
    expect(
      allowed({ Null: { "aws:ResourceTag/legal-hold": "false" } }, tagged({ "legal-hold": "" })),
    ).toBe(true);
    expect(allowed({ Null: { "aws:ResourceTag/legal-hold": "false" } }, tagged({}))).toBe(false);
    expect(allowed({ Null: { "aws:ResourceTag/legal-hold": "true" } }, tagged({}))).toBe(true);
    expect(
      allowed({ Null: { "aws:ResourceTag/legal-hold": true } }, tagged({ "legal-hold": "x" })),
    ).toBe(false);
    expect(allowed({ Null: { "aws:TagKeys": "true" } }, { requestTags: {} })).toBe(true);
  });

  it("Bool compares true/false case-insensitively; missing key is false unless IfExists", () => {
    expect(allowed({ Bool: { "aws:ResourceTag/allow": "true" } }, tagged({ allow: "TRUE" }))).toBe(
      true,
    );
    expect(allowed({ Bool: { "aws:ResourceTag/allow": true } }, tagged({ allow: "false" }))).toBe(
      false,
    );
    expect(allowed({ Bool: { "aws:ResourceTag/allow": "true" } }, {})).toBe(false);
    expect(allowed({ BoolIfExists: { "aws:ResourceTag/allow": "true" } }, {})).toBe(true);
    expect(
      allowed({ BoolIfExists: { "aws:ResourceTag/allow": "true" } }, tagged({ allow: "false" })),
    ).toBe(false);
  });

  it("a key we never populate (aws:SecureTransport) counts as missing", () => {
    expect(allowed({ Bool: { "aws:SecureTransport": "true" } })).toBe(false);
    expect(allowed({ Null: { "aws:SecureTransport": "true" } })).toBe(true);
  });
});

describe("IfExists", () => {
  it("a missing key makes the condition true; a present key is compared", () => {
    const c = { StringEqualsIfExists: { "aws:ResourceTag/team": "storage" } };
    expect(allowed(c, {})).toBe(true);
    expect(allowed(c, tagged({ env: "dev" }))).toBe(true);
    expect(allowed(c, tagged({ team: "storage" }))).toBe(true);
    expect(allowed(c, tagged({ team: "web" }))).toBe(false);
    const like = { StringLikeIfExists: { "aws:ResourceTag/team": "s*" } };
    expect(allowed(like, tagged({ team: "web" }))).toBe(false);
    expect(
      allowed(
        { StringNotEqualsIfExists: { "aws:ResourceTag/env": "prod" } },
        tagged({ env: "prod" }),
      ),
    ).toBe(false);
    expect(allowed({ StringNotEqualsIfExists: { "aws:ResourceTag/env": "prod" } }, {})).toBe(true);
  });
});

describe("aws:RequestTag and aws:TagKeys with set qualifiers", () => {
  const createReq = (tags: Record<string, string>): Partial<IamRequest> => ({ requestTags: tags });

  it("aws:RequestTag reads the request's tags, not the resource's", () => {
    const c = { StringEquals: { "aws:RequestTag/allow": "true" } };
    expect(allowed(c, createReq({ allow: "true" }))).toBe(true);
    expect(allowed(c, tagged({ allow: "true" }))).toBe(false);
  });

  it("ForAllValues:StringEquals — every key in the set is listed; empty or missing set is true", () => {
    const c = { "ForAllValues:StringEquals": { "aws:TagKeys": ["team", "env"] } };
    expect(allowed(c, createReq({ team: "a", env: "b" }))).toBe(true);
    expect(allowed(c, createReq({ team: "a", owner: "b" }))).toBe(false);
    expect(allowed(c, createReq({}))).toBe(true);
    expect(allowed(c, {})).toBe(true);
  });

  it("ForAnyValue:StringEquals — at least one key is listed; empty or missing set is false", () => {
    const c = { "ForAnyValue:StringEquals": { "aws:TagKeys": ["team"] } };
    expect(allowed(c, createReq({ team: "a", owner: "b" }))).toBe(true);
    expect(allowed(c, createReq({ owner: "b" }))).toBe(false);
    expect(allowed(c, createReq({}))).toBe(false);
    expect(allowed(c, {})).toBe(false);
  });

  it("ForAnyValue:StringEqualsIfExists on a missing set is true", () => {
    expect(allowed({ "ForAnyValue:StringEqualsIfExists": { "aws:TagKeys": ["team"] } }, {})).toBe(
      true,
    );
  });

  it("ForAllValues:StringNotEquals — no key in the set is listed", () => {
    const c = { "ForAllValues:StringNotEquals": { "aws:TagKeys": ["legal-hold", "owner"] } };
    expect(allowed(c, createReq({ team: "a" }))).toBe(true);
    expect(allowed(c, createReq({ team: "a", owner: "b" }))).toBe(false);
    expect(allowed(c, {})).toBe(true);
  });

  it("ForAnyValue:StringNotEquals — at least one key is not listed", () => {
    const c = { "ForAnyValue:StringNotEquals": { "aws:TagKeys": ["team"] } };
    expect(allowed(c, createReq({ team: "a", env: "b" }))).toBe(true);
    expect(allowed(c, createReq({ team: "a" }))).toBe(false);
    expect(allowed(c, {})).toBe(false);
  });

  it("ForAnyValue:StringLike and ForAllValues:StringLike", () => {
    expect(
      allowed(
        { "ForAnyValue:StringLike": { "aws:TagKeys": "cost-*" } },
        createReq({ "cost-center": "1", x: "y" }),
      ),
    ).toBe(true);
    expect(
      allowed(
        { "ForAllValues:StringLike": { "aws:TagKeys": "cost-*" } },
        createReq({ "cost-center": "1", x: "y" }),
      ),
    ).toBe(false);
    expect(
      allowed(
        { "ForAllValues:StringLike": { "aws:TagKeys": "cost-*" } },
        createReq({ "cost-center": "1" }),
      ),
    ).toBe(true);
  });

  it("ForAllValues:StringEqualsIgnoreCase, ForAnyValue:StringNotLike, ForAllValues:StringNotEqualsIgnoreCase", () => {
    expect(
      allowed(
        { "ForAllValues:StringEqualsIgnoreCase": { "aws:TagKeys": ["TEAM"] } },
        createReq({ team: "a" }),
      ),
    ).toBe(true);
    expect(
      allowed({ "ForAnyValue:StringNotLike": { "aws:TagKeys": "t*" } }, createReq({ team: "a" })),
    ).toBe(false);
    expect(
      allowed(
        { "ForAnyValue:StringNotLike": { "aws:TagKeys": "t*" } },
        createReq({ team: "a", env: "b" }),
      ),
    ).toBe(true);
    expect(
      allowed(
        { "ForAllValues:StringNotEqualsIgnoreCase": { "aws:TagKeys": "TEAM" } },
        createReq({ team: "a" }),
      ),
    ).toBe(false);
  });

  it("an explicit tagKeys list (UntagResource) takes the place of requestTags' keys", () => {
    const c = { "ForAllValues:StringEquals": { "aws:TagKeys": ["team"] } };
    expect(allowed(c, { tagKeys: ["team"], requestTags: { env: "x" } })).toBe(true);
    expect(allowed(c, { tagKeys: ["env"] })).toBe(false);
  });
});
