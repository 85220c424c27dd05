/**
 * The tag-based access check: a candidate passes when it matches at
 * least one allow rule (or there are none) and no deny rule, and — when the
 * repo names an IAM policy document — that document allows
 * lightsail:DeleteDiskSnapshot on the snapshot's ARN with its tags. Every
 * reason that blocks is returned, each naming the rule or statement.
 *
 * Tag keys compare case-insensitively, as IAM looks them up (see
 * match-tags.ts): a deny rule matches when any tag folding to its key has
 * the value, an allow rule only when every such tag has it.
 */
import { SnapgateError } from "../core/errors.js";
import type { AccessSpec, LiveSnapshot, TagMatch } from "../core/model.js";
import { describeTagMatch, matchesTags, matchesTagsUnanimously } from "../core/tags.js";
import { evaluateIam } from "../iam/evaluate.js";
import type { IamPolicyDocument } from "../iam/types.js";

export const DELETE_ACTION = "lightsail:DeleteDiskSnapshot";

export interface AccessRules {
  allow: readonly TagMatch[];
  deny: readonly TagMatch[];
  /** spec.access.iamPolicy, already read and parsed; `file` is its repo-relative path, for messages */
  iamPolicy?: { file: string; document: IamPolicyDocument };
}

export type AccessDecision = { allowed: true } | { allowed: false; reasons: string[] };

export function checkAccess(access: AccessRules, snapshot: LiveSnapshot): AccessDecision {
  const reasons: string[] = [];
  const { tags } = snapshot;

  access.deny.forEach((rule, i) => {
    if (matchesTags(tags, rule.matchTags)) {
      reasons.push(`access deny rule #${i + 1} (${describeTagMatch(rule.matchTags)}) matches`);
    }
  });

  if (
    access.allow.length > 0 &&
    !access.allow.some((rule) => matchesTagsUnanimously(tags, rule.matchTags))
  ) {
    const rules = access.allow.map((rule) => describeTagMatch(rule.matchTags)).join("; ");
    reasons.push(`no access allow rule matches (rules: ${rules})`);
  }

  if (access.iamPolicy) {
    const decision = evaluateIam(access.iamPolicy.document, {
      action: DELETE_ACTION,
      resource: snapshot.arn,
      resourceTags: tags,
    });
    const prefix = `IAM policy ${access.iamPolicy.file} denies ${DELETE_ACTION}`;
    if (decision.effect === "explicit-deny")
      reasons.push(`${prefix}: explicit deny by statement "${decision.statement}"`);
    else if (decision.effect === "implicit-deny") reasons.push(`${prefix}: no statement allows it`);
  }

  return reasons.length === 0 ? { allowed: true } : { allowed: false, reasons };
}

/**
 * The rules of a reconciler's spec.access, with its IAM document. Refuses a
 * spec that names an IAM policy when none was loaded: checking without it
 * would approve what the document might deny.
 */
export function accessRulesFor(spec: AccessSpec, iamDocument?: IamPolicyDocument): AccessRules {
  if (spec.iamPolicy !== undefined && iamDocument === undefined) {
    throw new SnapgateError(
      "Internal",
      `access.iamPolicy ${spec.iamPolicy} is configured but was not loaded`,
    );
  }
  return {
    allow: spec.allow,
    deny: spec.deny,
    ...(spec.iamPolicy !== undefined && iamDocument
      ? { iamPolicy: { file: spec.iamPolicy, document: iamDocument } }
      : {}),
  };
}

/** checkAccess bound to one set of rules: the shape the gate's access stage takes. */
export function accessCheck(access: AccessRules): (snapshot: LiveSnapshot) => AccessDecision {
  return (snapshot) => checkAccess(access, snapshot);
}
