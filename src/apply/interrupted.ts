/**
 * Deletes interrupted by a crash under an earlier plan. Re-running the same
 * plan resumes its own journal, but `serve` (and a user who re-plans) starts a
 * new plan: without this, a delete that landed while its answer was lost would
 * stay an intent without a result in the journal and the audit log forever.
 * Each one is re-read and given the result the live state shows. Reads only.
 */
import type { AuditAppender } from "../audit-log/log.js";
import { arnAccount } from "../core/arn.js";
import type { ClientFactory } from "../lightsail/client.js";
import type { StateStore } from "../state/store.js";
import { clearOpen, openJournal, openRuns } from "./apply-state.js";
import { readSnapshot } from "./delete-one.js";
import type { ApplyJournal, ItemOutcome } from "./journal.js";
import { recordDeleteResult } from "./record-result.js";

export interface SettleRequest {
  store: StateStore;
  /** only this account's intents: its credentials are the ones at hand */
  account: string;
  /** the plan being applied now: it resumes its own journal */
  currentDigest: string;
  clients: ClientFactory;
  audit: AuditAppender;
  runId: string;
}

export interface SettledItem {
  planDigest: string;
  region: string;
  name: string;
  outcome: ItemOutcome;
}

/**
 * Settles `account`'s interrupted deletes; the caller holds that account's
 * apply lock and has proven the credentials are the account's (preflight).
 */
export async function settleInterrupted(req: SettleRequest): Promise<SettledItem[]> {
  const settled: SettledItem[] = [];
  const runs = (await openRuns(req.store, req.account)).filter((d) => d !== req.currentDigest);
  for (const planDigest of runs) {
    const journal = await openJournal(req.store, planDigest);
    let unresolved = 0;
    for (const { key, arn } of journal.interrupted()) {
      const item =
        arnAccount(arn) === req.account
          ? await settleOne(req, journal, planDigest, key, arn)
          : undefined;
      if (item) settled.push(item);
      else unresolved++;
    }
    if (unresolved === 0) await clearOpen(req.store, planDigest);
  }
  return settled;
}

/** The result the live state shows, journalled and audited; undefined when it cannot be read now. */
async function settleOne(
  req: SettleRequest,
  journal: ApplyJournal,
  planDigest: string,
  key: string,
  arn: string,
): Promise<SettledItem | undefined> {
  const slash = key.indexOf("/");
  const [region, name] = [key.slice(0, slash), key.slice(slash + 1)];
  let live: Awaited<ReturnType<typeof readSnapshot>>;
  try {
    live = await readSnapshot(req.clients(region), region, name);
  } catch {
    // A read that fails leaves the item for the next run; it never blocks this one.
    return undefined;
  }
  const { outcome, detail } = !live
    ? {
        outcome: "absent" as const,
        detail: "gone after a delete interrupted by a crash (its answer was never received)",
      }
    : live.arn === arn
      ? {
          outcome: "failed" as const,
          detail: "a delete interrupted by a crash did not land: the snapshot still exists",
        }
      : {
          outcome: "skipped" as const,
          detail: `re-created since a delete interrupted by a crash (now ${live.arn})`,
        };
  // Through the one writer (audit first, then journal): a crash between the two leaves the
  // item interrupted, and the next settling records it again.
  await recordDeleteResult(req.audit, journal, {
    runId: req.runId,
    planDigest,
    region,
    name,
    arn,
    outcome,
    detail,
    operations: [],
  });
  return { planDigest, region, name, outcome };
}
