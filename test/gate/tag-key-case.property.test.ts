/**
 * Tag keys compare case-insensitively, as IAM does: for random rules and
 * random tag sets whose keys come in mixed case (`Legal-Hold`, `ENV`, and
 * `env` next to `Env`), the gate's decisions (diff + guards + access) agree
 * with the project's IAM evaluator on the generated policy:
 * - what blocks agrees exactly: IAM's DenyProtected / DenyAccessRuleN apply
 *   to a snapshot exactly when the gate blocks it by protect / that deny rule;
 * - the gate never approves what IAM would refuse;
 * - on tag sets without two keys that fold to one, they agree exactly (with
 *   such duplicates the gate's allow and scope readings are stricter on purpose).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Inventory, LiveSnapshot, Tags } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { accessCheck, accessRulesFor } from "../../src/gate/access.js";
import { type GateDeps, runGate } from "../../src/gate/gate.js";
import { evaluateIam } from "../../src/iam/evaluate.js";
import { generateIamPolicy } from "../../src/iam/generate-policy.js";
import type { IamStatement } from "../../src/iam/types.js";
import { desired, NOW, set, snap } from "../helpers/fleet.js";

const DELETE = "lightsail:DeleteDiskSnapshot";
const REGIONS = ["us-east-1", "eu-west-2", "ap-south-1"];

const baseKey = fc.constantFrom("team", "env", "tier", "legal-hold", "managed-by");
/** A key as written by someone: mostly as-is, sometimes Capitalised, UPPER or random case. */
const mixedKey = fc.oneof(
  { arbitrary: baseKey, weight: 3 },
  { arbitrary: baseKey.map(capitalise), weight: 1 },
  { arbitrary: baseKey.map((k) => k.toUpperCase()), weight: 1 },
  { arbitrary: fc.mixedCase(baseKey), weight: 1 },
);
const ruleValue = fc.constantFrom("storage", "web", "prod", "", "*");
const tagValue = fc.constantFrom("storage", "web", "prod", "", "*", "Prod");
const rule = fc.dictionary(mixedKey, ruleValue, { maxKeys: 3 });

const world = fc.record({
  regions: fc.subarray(REGIONS, { minLength: 1 }),
  // a scope needs a tag (the loader refuses an empty one)
  scope: fc.dictionary(mixedKey, ruleValue, { minKeys: 1, maxKeys: 2 }),
  protect: fc.option(rule, { nil: undefined }),
  allow: fc.array(rule, { maxLength: 3 }),
  deny: fc.array(rule, { maxLength: 3 }),
  snapshots: fc.array(
    fc.record({
      region: fc.constantFrom(...REGIONS),
      tags: fc.dictionary(mixedKey, tagValue, { maxKeys: 6 }),
    }),
    { minLength: 1, maxLength: 12 },
  ),
});

function capitalise(key: string): string {
  return key.replace(/(^|-)([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function hasFoldedDuplicates(tags: Tags): boolean {
  const folded = Object.keys(tags).map((k) => k.toLowerCase());
  return new Set(folded).size !== folded.length;
}

const allowAllPolicy: GateDeps["policy"] = { evaluate: () => ({ deny: [], warn: [] }) };

describe("tag keys compare case-insensitively, agreeing with the IAM evaluator", () => {
  it("a mixed-case protect tag blocks, as IAM's DenyProtected would", () => {
    const d = desired({ protect: { matchTags: { "legal-hold": "*" } } }, [set()]);
    const held = snap({
      name: "held",
      tags: { "managed-by": "snapgate", "Legal-Hold": "case-99" },
    });
    const inventory: Inventory = { regions: d.spec.regions, snapshots: [held], disks: [] };
    const [decision] = runGate(
      { desired: d, inventory, diff: diff(d, inventory, NOW), commit: "c", nowMs: NOW },
      { policy: allowAllPolicy, access: accessCheck(accessRulesFor(d.spec.access)) },
    );
    expect(decision?.blockedBy.map((b) => b.kind)).toEqual(["protect"]);
    const iam = evaluateIam(generateIamPolicy(d.spec), {
      action: DELETE,
      resource: held.arn,
      resourceTags: held.tags,
    });
    expect(iam).toEqual({ effect: "explicit-deny", statement: "DenyProtected" });
  });

  it("property: blocks agree exactly, approvals never exceed IAM's, and match it without folded duplicates", () => {
    let compared = 0;
    let duplicated = 0;
    fc.assert(
      fc.property(world, (w) => {
        const d = desired(
          {
            regions: w.regions,
            scope: { matchTags: w.scope },
            ...(w.protect ? { protect: { matchTags: w.protect } } : { protect: undefined }),
            access: {
              allow: w.allow.map((matchTags) => ({ matchTags })),
              deny: w.deny.map((matchTags) => ({ matchTags })),
            },
          },
          [set({ region: w.regions[0] as string })],
        );
        const snapshots: LiveSnapshot[] = w.snapshots.map((s, i) =>
          snap({ name: `s-${i}`, region: s.region, tags: s.tags }),
        );
        const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
        const decisions = runGate(
          { desired: d, inventory, diff: diff(d, inventory, NOW), commit: "c", nowMs: NOW },
          { policy: allowAllPolicy, access: accessCheck(accessRulesFor(d.spec.access)) },
        );
        const decisionOf = new Map(decisions.map((x) => [x.candidate.snapshot, x]));

        const policy = generateIamPolicy(d.spec);
        const statements = policy.Statement as IamStatement[];
        const statementApplies = (sid: string, s: LiveSnapshot) => {
          const statement = statements.find((st) => st.Sid === sid);
          if (!statement) return false;
          const one = { Version: "2012-10-17" as const, Statement: [statement] };
          const request = { action: DELETE, resource: s.arn, resourceTags: s.tags };
          return evaluateIam(one, request).effect !== "implicit-deny";
        };

        for (const s of snapshots) {
          const decision = decisionOf.get(s);
          const approved = decision !== undefined && decision.blockedBy.length === 0;
          const iam = evaluateIam(policy, {
            action: DELETE,
            resource: s.arn,
            resourceTags: s.tags,
          });
          const where = { tags: s.tags, region: s.region };

          if (approved) expect({ ...where, iam: iam.effect }).toEqual({ ...where, iam: "allow" });
          if (hasFoldedDuplicates(s.tags)) duplicated++;
          else {
            compared++;
            expect({ ...where, approved }).toEqual({ ...where, approved: iam.effect === "allow" });
          }

          if (decision === undefined) continue; // out of scope: never a candidate
          const kinds = decision.blockedBy.map((b) => b.message);
          expect({
            ...where,
            protect: decision.blockedBy.some((b) => b.kind === "protect"),
          }).toEqual({ ...where, protect: statementApplies("DenyProtected", s) });
          w.deny.forEach((_, i) => {
            const blocked = kinds.some((m) => m.startsWith(`access deny rule #${i + 1} `));
            expect({ ...where, rule: i + 1, blocked }).toEqual({
              ...where,
              rule: i + 1,
              blocked: statementApplies(`DenyAccessRule${i + 1}`, s),
            });
          });
        }
      }),
      { numRuns: 400, seed: 20261128 },
    );
    // the generators must reach both regimes
    expect(compared).toBeGreaterThan(100);
    expect(duplicated).toBeGreaterThan(20);
  });
});
