/**
 * The plan's account, proven before anything is deleted or settled: the
 * credentials at hand must belong to it, by sts:GetCallerIdentity. A listing
 * cannot prove it — against an empty account every planned snapshot would
 * look "already absent" and be recorded so.
 */
import { messageOf, refused } from "../core/errors.js";
import type { Plan } from "../core/model.js";
import { classifyError, describeError } from "../lightsail/classify.js";
import { credentialsError } from "../lightsail/credentials.js";
import type { CallerIdentity, IdentityProbe } from "../lightsail/sts.js";

export async function proveAccount(plan: Plan, probe: IdentityProbe): Promise<CallerIdentity> {
  const region = plan.regions[0] ?? plan.deletions[0]?.region ?? "us-east-1";
  let who: CallerIdentity;
  try {
    who = await probe(region);
  } catch (err) {
    const credentials = credentialsError(
      err,
      "sts:GetCallerIdentity (apply proves the account first)",
    );
    if (credentials) throw credentials;
    const why = err instanceof Error ? describeError(classifyError(err)) : messageOf(err);
    throw refused(
      `cannot prove the credentials belong to account ${plan.account}: sts:GetCallerIdentity failed (${why}); nothing was deleted`,
    );
  }
  if (who.account !== plan.account) {
    throw refused(
      `the credentials belong to account ${who.account || "(none reported)"} (${who.arn || "unknown principal"}), but the plan is for account ${plan.account}; refusing before any delete`,
    );
  }
  return who;
}
