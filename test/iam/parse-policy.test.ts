import { describe, expect, it } from "vitest";
import { formatIssue, SnapgateError } from "../../src/core/errors.js";
import { evaluateIam } from "../../src/iam/evaluate.js";
import { parseIamPolicy } from "../../src/iam/parse-policy.js";

const FILE = "iam/reconciler.json";

/** The located lines a bad document produces. */
function problems(text: string): string[] {
  try {
    parseIamPolicy(FILE, text);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapgateError);
    const e = err as SnapgateError;
    expect(e.code).toBe("BadInput");
    return e.issues.length > 0 ? e.issues.map(formatIssue) : [e.message];
  }
  throw new Error("expected parseIamPolicy to throw");
}

const GOOD = `{
  "Version": "2012-10-17",
  "Id": "reconciler",
  "Statement": [
    {
      "Sid": "DenyProd",
      "Effect": "Deny",
      "Action": "lightsail:DeleteDiskSnapshot",
      "Resource": "*",
      "Condition": { "StringEquals": { "aws:ResourceTag/env": ["prod", "production"] } }
    },
    {
      "Effect": "Allow",
      "Action": ["lightsail:DeleteDiskSnapshot"],
      "Resource": "arn:aws:lightsail:*:111122223333:DiskSnapshot/*",
      "Condition": {
        "Null": { "aws:ResourceTag/managed-by": false },
        "ForAllValues:StringLikeIfExists": { "aws:TagKeys": "team*" },
        "NumberLike": null
      }
    }
  ]
}`;

describe("parseIamPolicy", () => {
  it("reads a valid document and keeps its meaning", () => {
    const text = GOOD.replace(',\n        "NumberLike": null', "");
    const doc = parseIamPolicy(FILE, text);
    expect(doc.Version).toBe("2012-10-17");
    expect(Array.isArray(doc.Statement) && doc.Statement.length).toBe(2);
    const arn = "arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/abc";
    const req = { action: "lightsail:DeleteDiskSnapshot", resource: arn };
    expect(evaluateIam(doc, { ...req, resourceTags: { "managed-by": "snapgate" } })).toEqual({
      effect: "allow",
      statement: "Statement[1]",
    });
    expect(
      evaluateIam(doc, { ...req, resourceTags: { "managed-by": "snapgate", env: "prod" } }),
    ).toEqual({
      effect: "explicit-deny",
      statement: "DenyProd",
    });
  });

  it("reads a single statement object and a leading BOM", () => {
    const doc = parseIamPolicy(
      FILE,
      '\uFEFF{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
    );
    expect(doc.Statement).toEqual({ Effect: "Allow", Action: "*", Resource: "*" });
  });

  it("locates an unknown condition operator by line, column and field", () => {
    expect(problems(GOOD)).toEqual([
      `${FILE}:19:9: Statement[1].Condition.NumberLike: unsupported condition operator "NumberLike" (supported: String[Not]Equals[IgnoreCase], String[Not]Like, Bool, Null, with ForAnyValue:/ForAllValues: and IfExists)`,
    ]);
  });

  it("rejects an Effect other than Allow/Deny, at its value", () => {
    const text = '{"Statement": [\n  {"Effect": "allow", "Action": "*", "Resource": "*"}\n]}';
    expect(problems(text)).toEqual([
      `${FILE}:2:14: Statement[0].Effect: must be "Allow" or "Deny"`,
    ]);
  });

  it("reports every problem at once", () => {
    const text = `{"Statement": [
  {"Effect": "Allow", "Action": "lightsail:Delete*", "NotAction": "x:y", "Resource": "*"},
  {"Effect": "Deny", "Action": "DeleteDiskSnapshot", "Resource": "*"},
  {"Effect": "Deny", "Action": "*", "Resource": "lightsail-snapshot"},
  {"Effect": "Deny", "Action": "*"},
  {"Sid": "has space", "Effect": "Deny", "Action": "*", "Resource": "*", "Principal": "*"},
  {"Effect": "Deny", "Action": [], "Resource": "*"},
  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"NullIfExists": {"aws:ResourceTag/a": "true"}}},
  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:ResourceTag/a": "yes"}, "Bool": {"aws:ResourceTag/b": "maybe"}}},
  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/a": {"x": 1}}}},
  {"Effect": "Deny", "Action": "*", "Resource": "arn:aws:lightsail:\${aws:username}:x"},
  {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {}}}
]}`;
    expect(problems(text)).toEqual([
      `${FILE}:2:3: Statement[0]: use either Action or NotAction, not both`,
      `${FILE}:3:32: Statement[1].Action: "DeleteDiskSnapshot" is not an action like lightsail:DeleteDiskSnapshot or *`,
      `${FILE}:4:49: Statement[2].Resource: "lightsail-snapshot" is not an ARN or "*"`,
      `${FILE}:5:3: Statement[3]: missing field "Resource" (or "NotResource")`,
      `${FILE}:6:11: Statement[4].Sid: a Sid may contain only letters and digits`,
      `${FILE}:6:74: Statement[4].Principal: unknown field "Principal"`,
      `${FILE}:7:32: Statement[5].Action: must be a string or a non-empty list of strings`,
      `${FILE}:8:68: Statement[6].Condition.NullIfExists: unsupported condition operator "NullIfExists" (supported: String[Not]Equals[IgnoreCase], String[Not]Like, Bool, Null, with ForAnyValue:/ForAllValues: and IfExists)`,
      `${FILE}:9:98: Statement[7].Condition.Null.aws:ResourceTag/a: Null takes "true" or "false"`,
      `${FILE}:9:136: Statement[7].Condition.Bool.aws:ResourceTag/b: Bool takes "true" or "false"`,
      `${FILE}:10:106: Statement[8].Condition.StringEquals.aws:ResourceTag/a: must be a string, boolean, number or a list of them`,
      `${FILE}:11:49: Statement[9].Resource: policy variables (\${...}) are not supported`,
      `${FILE}:12:84: Statement[10].Condition.StringEquals: must be a non-empty object of condition keys`,
    ]);
  });

  it("rejects duplicate keys, which JSON.parse would silently resolve to the last one", () => {
    const text =
      '{"Statement": [{"Effect": "Deny",\n "Effect": "Allow", "Action": "*", "Resource": "*"}]}';
    expect(problems(text)).toEqual([`${FILE}:2:2: invalid JSON: duplicate key "Effect"`]);
  });

  it("rejects duplicate Sids", () => {
    const s = '{"Sid": "A", "Effect": "Deny", "Action": "*", "Resource": "*"}';
    expect(problems(`{"Statement": [${s}, ${s}]}`)).toEqual([
      `${FILE}:1:88: Statement[1].Sid: duplicate Sid "A": Sids must be unique within a policy`,
    ]);
  });

  it("locates JSON syntax errors", () => {
    expect(problems('{\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}')).toEqual([
      `${FILE}:3:24: invalid JSON: expected a quoted key, found "}"`,
    ]);
    expect(problems('{"Statement": [')).toEqual([
      `${FILE}:1:16: invalid JSON: unexpected end of input`,
    ]);
    expect(problems("")).toEqual([`${FILE}:1:1: invalid JSON: unexpected end of input`]);
    expect(problems('{"Statement": "x"} trailing')).toEqual([
      `${FILE}:1:20: invalid JSON: unexpected "t" after the document`,
    ]);
    expect(problems('{"a": "tab\there"}')).toEqual([
      `${FILE}:1:11: invalid JSON: control character in string`,
    ]);
  });

  it("rejects unknown top-level fields, a bad Version, a missing or empty Statement, a non-object", () => {
    expect(problems('{"Version": "2012-10-17", "Statment": []}')).toEqual([
      `${FILE}:1:27: Statment: unknown field "Statment"`,
    ]);
    expect(problems('{"Version": "2020-01-01", "Statement": []}')[0]).toMatch(
      /^iam\/reconciler\.json:1:13: Version: /,
    );
    expect(problems('{"Version": "2012-10-17"}')).toEqual([
      `${FILE}:1:1: missing field "Statement"`,
    ]);
    expect(problems('{"Statement": []}')).toEqual([
      `${FILE}:1:15: Statement: must contain at least one statement`,
    ]);
    expect(problems("[1]")[0]).toMatch(/^iam\/reconciler\.json:1:1: /);
    expect(problems('{"Statement": [42]}')[0]).toMatch(
      /^iam\/reconciler\.json:1:16: Statement\[0\]: /,
    );
  });

  it("bounds nesting depth and size", () => {
    expect(problems(`${"[".repeat(100)}${"]".repeat(100)}`)[0]).toMatch(
      /nested deeper than 64 levels/,
    );
    expect(problems(" ".repeat(200 * 1024))[0]).toMatch(/larger than/);
  });
});
