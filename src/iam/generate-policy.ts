/**
 * The least-privilege identity policy for snapgate's IAM role, derived from
 * the reconciler's scope, protect and access rules, so that what snapgate
 * checks locally is what AWS enforces:
 *
 *   ReadInventory      the Get* calls snapgate makes (no resource types: "*"; GetInstances
 *                      only when spec.freshness is declared, since only then are instances listed), and
 *                      sts:GetCallerIdentity, by which apply proves the plan's account
 *                      (AWS answers it without a permission; listing it says it is needed)
 *   DeleteAllowRuleN   one Allow per access allow rule (DeleteInScope when there are none),
 *                      on the configured regions' DiskSnapshot ARNs, requiring the scope's
 *                      tags and the rule's tags
 *   DenyAccessRuleN    one Deny per access deny rule
 *   DenyProtected      one Deny carrying all protect tags (protect matches when all do)
 *
 * A tag value "*" (key present) becomes `Null: {"aws:ResourceTag/k": "false"}`;
 * any other value `StringEquals`. scope.namePattern has no IAM equivalent (the
 * ARN ends in a UUID, not the name): snapgate enforces it locally only.
 */
import type { AccessSpec, ScopeSpec, TagMatch, Tags } from "../core/model.js";
import { ANY_VALUE } from "../core/tags.js";
import type { IamPolicyDocument, IamStatement } from "./types.js";

export const READ_ACTIONS = [
  "lightsail:GetDiskSnapshots",
  "lightsail:GetDiskSnapshot",
  "lightsail:GetDisks",
  "lightsail:GetDisk",
  "lightsail:GetOperation",
  "lightsail:GetOperations",
  "lightsail:GetOperationsForResource",
  "lightsail:GetRegions",
  "sts:GetCallerIdentity",
] as const;

const DELETE = "lightsail:DeleteDiskSnapshot";

export interface IamPolicyInputs {
  account: string;
  regions: readonly string[];
  scope: ScopeSpec;
  protect?: TagMatch;
  access: AccessSpec;
  /** spec.freshness (or a SnapshotSet's) is declared: plan and audit list instances too */
  listsInstances?: boolean;
}

export function generateIamPolicy(spec: IamPolicyInputs): IamPolicyDocument {
  const statements: IamStatement[] = [
    {
      Sid: "ReadInventory",
      Effect: "Allow",
      Action: spec.listsInstances ? withInstances(READ_ACTIONS) : [...READ_ACTIONS],
      Resource: "*",
    },
  ];

  const regions = [...new Set(spec.regions)].sort();
  const resources = regions.map((r) => `arn:aws:lightsail:${r}:${spec.account}:DiskSnapshot/*`);
  const allowRules = spec.access.allow.length > 0 ? spec.access.allow : [{ matchTags: {} }];
  allowRules.forEach((rule, i) => {
    const required = mergeRequirements(spec.scope.matchTags, rule.matchTags);
    // No regions, or a rule that contradicts the scope (team=a and team=b): it can never allow.
    if (resources.length === 0 || required === undefined) return;
    statements.push({
      Sid: spec.access.allow.length > 0 ? `DeleteAllowRule${i + 1}` : "DeleteInScope",
      Effect: "Allow",
      Action: DELETE,
      Resource: resources,
      ...conditionFor(required),
    });
  });

  spec.access.deny.forEach((rule, i) => {
    statements.push({
      Sid: `DenyAccessRule${i + 1}`,
      Effect: "Deny",
      Action: DELETE,
      Resource: "*",
      ...conditionFor(rule.matchTags),
    });
  });

  if (spec.protect) {
    statements.push({
      Sid: "DenyProtected",
      Effect: "Deny",
      Action: DELETE,
      Resource: "*",
      ...conditionFor(spec.protect.matchTags),
    });
  }

  return { Version: "2012-10-17", Statement: statements };
}

/**
 * Both tag sets must match: per key, a concrete value wins over "*"; two
 * different concrete values can never both hold (undefined).
 */
function mergeRequirements(a: Tags, b: Tags): Tags | undefined {
  const out: Record<string, string> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    if (existing === undefined || existing === ANY_VALUE) out[key] = value;
    else if (value !== ANY_VALUE && value !== existing) return undefined;
  }
  return out;
}

/** The Condition block requiring all of `tags`, keys sorted; none for an empty set. */
function conditionFor(tags: Tags): Pick<IamStatement, "Condition"> {
  const equals: Record<string, string> = {};
  const present: Record<string, string> = {};
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key] as string;
    if (value === ANY_VALUE) present[`aws:ResourceTag/${key}`] = "false";
    else equals[`aws:ResourceTag/${key}`] = value;
  }
  const condition: NonNullable<IamStatement["Condition"]> = {};
  if (Object.keys(equals).length > 0) condition.StringEquals = equals;
  if (Object.keys(present).length > 0) condition.Null = present;
  return Object.keys(condition).length > 0 ? { Condition: condition } : {};
}

/** The read actions with lightsail:GetInstances after the disk reads. */
function withInstances(actions: readonly string[]): string[] {
  const out = [...actions];
  out.splice(out.indexOf("lightsail:GetDisk") + 1, 0, "lightsail:GetInstances");
  return out;
}
