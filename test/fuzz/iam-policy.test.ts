/**
 * Fuzzes parseIamPolicy, which reads the repository's IAM policy document
 * (spec.access.iamPolicy) that decides which deletions the access gate allows.
 * Beyond the located-error contract, an accepted document must hold nothing
 * the evaluator cannot see (no statement hidden in a prototype).
 */
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { parseIamPolicy } from "../../src/iam/parse-policy.js";
import type { IamPolicyDocument } from "../../src/iam/types.js";
import { IAM_POLICIES } from "./bases.js";
import {
  attemptSync,
  checkOutcome,
  fuzzParams,
  hasProtoKey,
  inheritedProblem,
  Tally,
} from "./harness.js";
import { applyTextOps, applyValueOps, rawJson, renderJson, textOps, valueOps } from "./mutate.js";

const tally = new Tally();
afterAll(() => tally.print());

const FILE = "iam/reconciler.json";

const iamCase = fc.record({
  base: fc.nat({ max: IAM_POLICIES.length - 1 }),
  structural: fc.boolean(),
  ops: valueOps(rawJson),
  pretty: fc.boolean(),
  text: textOps(false),
});

function policyProblem(text: string, doc: IamPolicyDocument): string | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return "accepted text that JSON.parse rejects";
  }
  if (hasProtoKey(raw))
    return "a __proto__ key was accepted: its content is invisible to the evaluator";
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) return "no statements";
  for (const s of statements) {
    if (s.Effect !== "Allow" && s.Effect !== "Deny") return `Effect ${JSON.stringify(s.Effect)}`;
    if ((s.Action === undefined) === (s.NotAction === undefined)) return "Action/NotAction";
  }
  return inheritedProblem(doc);
}

describe("fuzz: IAM policy documents", () => {
  it("parseIamPolicy: a document the evaluator sees whole, or a located BadInput", () => {
    fc.assert(
      fc.property(iamCase, (c) => {
        const original = IAM_POLICIES[c.base] as string;
        const text = c.structural
          ? applyTextOps(renderJson(applyValueOps(JSON.parse(original), c.ops), c.pretty), c.text)
          : applyTextOps(original, c.text);
        const outcome = attemptSync(() => parseIamPolicy(FILE, text));
        checkOutcome(
          tally,
          "IAM policy (parseIamPolicy)",
          outcome,
          { files: [FILE], texts: { [FILE]: text }, codes: ["BadInput"] },
          (doc) => policyProblem(text, doc),
        );
      }),
      fuzzParams(2),
    );
  });

  it("never accepts a statement hidden under a __proto__ key", () => {
    const hidden = [
      '{"__proto__": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}',
      '{"Statement": [{"Effect": "Allow", "__proto__": {"Action": "*", "Resource": "*"}}]}',
      '{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "__proto__": {"Condition": {"Bool": {"aws:x": "true"}}}}}',
    ];
    for (const text of hidden) {
      const outcome = attemptSync(() => parseIamPolicy(FILE, text));
      checkOutcome(
        tally,
        "IAM policy (regressions)",
        outcome,
        { files: [FILE], texts: { [FILE]: text }, codes: ["BadInput"] },
        (doc) => policyProblem(text, doc),
      );
    }
  });
});
