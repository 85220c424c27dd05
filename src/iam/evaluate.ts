/**
 * IAM identity-policy evaluation as AWS does it: an explicit Deny in any
 * statement wins; otherwise any Allow grants; otherwise the request is
 * implicitly denied. Shared by the emulator (to enforce) and the access gate
 * (to predict), so both sides agree by construction.
 *
 * A statement we cannot make sense of (say, an unknown condition operator in
 * a document that skipped parseIamPolicy) fails closed: as an Allow it grants
 * nothing, as a Deny it denies.
 */
import { conditionHolds } from "./conditions.js";
import type { IamDecision, IamPolicyDocument, IamRequest, IamStatement } from "./types.js";
import { matchesWildcard } from "./wildcard.js";

export function evaluateIam(
  policy: IamPolicyDocument | readonly IamPolicyDocument[],
  request: IamRequest,
): IamDecision {
  const documents: readonly IamPolicyDocument[] = Array.isArray(policy)
    ? policy
    : [policy as IamPolicyDocument];
  let allowedBy: string | undefined;
  for (let d = 0; d < documents.length; d++) {
    const doc = documents[d];
    const statements = doc ? statementsOf(doc) : [];
    for (let i = 0; i < statements.length; i++) {
      const statement = statements[i];
      const prefix = documents.length > 1 ? `Policy[${d}].` : "";
      const name = statement?.Sid ? statement.Sid : `${prefix}Statement[${i}]`;
      const applies = statement ? statementApplies(statement, request) : "invalid";
      if (statement?.Effect === "Allow") {
        if (applies === true && allowedBy === undefined) allowedBy = name;
      } else if (applies !== false) {
        // A Deny — or a statement too broken to read — that applies: fail closed.
        return { effect: "explicit-deny", statement: name };
      }
    }
  }
  return allowedBy === undefined
    ? { effect: "implicit-deny" }
    : { effect: "allow", statement: allowedBy };
}

function statementsOf(doc: IamPolicyDocument): readonly (IamStatement | undefined)[] {
  const s = doc.Statement as unknown;
  if (Array.isArray(s)) return s as IamStatement[];
  if (typeof s === "object" && s !== null) return [s as IamStatement];
  return [undefined];
}

/** true / false, or "invalid" when the statement is malformed. */
function statementApplies(statement: IamStatement, request: IamRequest): boolean | "invalid" {
  const action = elementMatches(statement.Action, statement.NotAction, request.action, true);
  const resource = elementMatches(
    statement.Resource,
    statement.NotResource,
    request.resource,
    false,
  );
  const condition = conditionHolds(statement.Condition, request);
  if (action === "invalid" || resource === "invalid" || condition === "invalid") return "invalid";
  return action && resource && condition;
}

/** Action/NotAction or Resource/NotResource: exactly one must be present. */
function elementMatches(
  positive: unknown,
  negative: unknown,
  value: string,
  ignoreCase: boolean,
): boolean | "invalid" {
  if ((positive === undefined) === (negative === undefined)) return "invalid";
  const patterns = asStringList(positive ?? negative);
  if (!patterns) return "invalid";
  const any = patterns.some((p) => matchesWildcard(p, value, ignoreCase));
  return positive !== undefined ? any : !any;
}

function asStringList(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string")) return v;
  return undefined;
}
