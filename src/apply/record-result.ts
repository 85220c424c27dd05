/**
 * The one writer of a delete's result, used by apply and by settling an
 * interrupted delete. The audit record goes first and the journal result last:
 * the journal decides resumption, so a crash between the two leaves the item in
 * flight and the next run records it again — never a journal that says done
 * while the audit log still holds an open intent.
 */
import type { AuditAppender } from "../audit-log/log.js";
import { snapshotKey } from "../core/keys.js";
import type { ApplyJournal, ItemOutcome, OperationRecord } from "./journal.js";

export interface DeleteResult {
  runId: string;
  planDigest: string;
  region: string;
  name: string;
  arn: string;
  outcome: ItemOutcome;
  detail: string;
  operations: OperationRecord[];
}

export async function recordDeleteResult(
  audit: AuditAppender,
  journal: ApplyJournal,
  r: DeleteResult,
): Promise<void> {
  await audit.append("delete-result", { ...r });
  await journal.result(snapshotKey(r), r.outcome, r.detail, r.operations);
}
