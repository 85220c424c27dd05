/**
 * Deleting one planned snapshot: the only place snapgate calls
 * DeleteDiskSnapshot. Before the call the live snapshot must still be exactly
 * what was planned (fingerprint: ARN, state, createdAt, size, tags) and still
 * pass scope, protect and access; after it, the returned operation is polled
 * to a terminal status. An ambiguous failure is never retried blindly: the
 * snapshot is re-read first, because DeleteDiskSnapshot addresses by name and
 * a re-created snapshot with the same name must not be touched.
 */
import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  GetOperationCommand,
  type Operation,
} from "@aws-sdk/client-lightsail";
import { fingerprint } from "../core/fingerprint.js";
import type { LiveSnapshot, PlanDeletion } from "../core/model.js";
import { classifyError, describeError } from "../lightsail/classify.js";
import type { LightsailSender } from "../lightsail/client.js";
import { toLiveSnapshot } from "../lightsail/normalize.js";
import { callWithRetry, DEFAULT_RETRY, sleep } from "./call.js";
import type { ItemOutcome, OperationRecord } from "./journal.js";
import type { AdaptiveRateLimiter } from "./rate-limiter.js";

export interface ItemResult {
  outcome: ItemOutcome;
  detail: string;
  operations: OperationRecord[];
  /** set when the whole run must stop (bad credentials, account not ready) */
  abort?: string;
}

export interface DeleteContext {
  /** rate-limited, retrying client for reads */
  reads: LightsailSender;
  /** the raw client: deletes go through `limiter` with throttle-only retries */
  raw: LightsailSender;
  limiter: AdaptiveRateLimiter;
  /** scope/protect/access on the live snapshot; a string says why not */
  recheck: (live: LiveSnapshot) => { outcome: "skipped" | "denied"; detail: string } | null;
  /** called right before each DeleteDiskSnapshot, after the intent is durable */
  onIntent: () => Promise<void>;
  /** asked after the intent is stored, right before the call: a reason means "do not send" */
  mayDelete?: () => string | undefined;
  operationTimeoutMs: number;
  pollIntervalMs: number;
}

const MAX_AMBIGUOUS_RETRIES = 5;

/** The delete was not sent: `mayDelete` said no (the lock is lost). */
class NotSent extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
const THROTTLE_ONLY = { ...DEFAULT_RETRY, maxAttempts: 1 };

/**
 * The DeleteDiskSnapshot, asking `mayDelete` once more as the SDK's innermost
 * step, right before the request is handed to HTTP: after serialising,
 * credentials and signing (all of which can wait), so a holder paused in
 * between (SIGSTOP, a long GC) and resumed past its lease sends nothing.
 */
function deleteCommand(name: string, mayDelete: DeleteContext["mayDelete"]) {
  const command = new DeleteDiskSnapshotCommand({ diskSnapshotName: name });
  if (mayDelete) {
    command.middlewareStack.add(
      (next) => async (args) => {
        const stop = mayDelete();
        if (stop !== undefined) throw new NotSent(stop);
        return next(args);
      },
      { step: "deserialize", priority: "low", name: "snapgateLeaseCheck" },
    );
  }
  return command;
}

export function toOperationRecord(op: Operation): OperationRecord {
  return {
    id: op.id ?? "",
    status: op.status ?? "unknown",
    ...(op.isTerminal === undefined ? {} : { isTerminal: op.isTerminal }),
    ...(op.errorCode ? { errorCode: op.errorCode } : {}),
    ...(op.errorDetails ? { errorDetails: op.errorDetails } : {}),
  };
}

/** What differs between the planned and the live snapshot, for the "changed" message. */
export function describeChange(planned: PlanDeletion, live: LiveSnapshot): string {
  const changes: string[] = [];
  if (live.arn !== planned.arn)
    changes.push(`ARN changed from ${planned.arn} to ${live.arn} (re-created)`);
  if (live.createdAt !== planned.createdAt)
    changes.push(`createdAt changed from ${planned.createdAt} to ${live.createdAt}`);
  if (live.sizeInGb !== planned.sizeInGb)
    changes.push(`size changed from ${planned.sizeInGb} to ${live.sizeInGb} GiB`);
  const keys = new Set([...Object.keys(planned.tags), ...Object.keys(live.tags)]);
  for (const k of [...keys].sort()) {
    const a = planned.tags[k];
    const b = live.tags[k];
    if (a !== b) changes.push(`tag ${k} changed from ${a ?? "(absent)"} to ${b ?? "(absent)"}`);
  }
  if (changes.length === 0) changes.push(`state is now ${live.state}`);
  return `changed since plan: ${changes.join("; ")}; re-run plan`;
}

/** Checks the live snapshot against the plan; null when it may be deleted. */
export function preDeleteCheck(
  planned: PlanDeletion,
  live: LiveSnapshot | undefined,
  ctx: Pick<DeleteContext, "recheck">,
): ItemResult | null {
  if (!live) return { outcome: "absent", detail: "already absent", operations: [] };
  if (fingerprint(live) !== planned.fingerprint) {
    return { outcome: "skipped", detail: describeChange(planned, live), operations: [] };
  }
  const vetoed = ctx.recheck(live);
  return vetoed ? { ...vetoed, operations: [] } : null;
}

/** GetDiskSnapshot, with NotFound as `undefined`. */
export async function readSnapshot(
  reads: LightsailSender,
  region: string,
  name: string,
): Promise<LiveSnapshot | undefined> {
  try {
    const out = await reads.send(new GetDiskSnapshotCommand({ diskSnapshotName: name }));
    return out.diskSnapshot ? toLiveSnapshot(region, out.diskSnapshot) : undefined;
  } catch (err) {
    if (classifyError(err).class === "gone") return undefined;
    throw err;
  }
}

async function pollOperation(ctx: DeleteContext, op: OperationRecord): Promise<OperationRecord> {
  const deadline = Date.now() + ctx.operationTimeoutMs;
  let delay = ctx.pollIntervalMs;
  let current = op;
  while (!current.isTerminal) {
    if (Date.now() > deadline) {
      return {
        ...current,
        errorCode: "Timeout",
        errorDetails: `operation not terminal after ${ctx.operationTimeoutMs} ms`,
      };
    }
    await sleep(delay);
    delay = Math.min(delay * 1.5, 5_000);
    const out = await ctx.reads.send(new GetOperationCommand({ operationId: current.id }));
    if (out.operation) current = toOperationRecord(out.operation);
  }
  return current;
}

/** Deletes a snapshot that already passed preDeleteCheck against `live`. */
export async function deleteChecked(
  planned: PlanDeletion,
  ctx: DeleteContext,
): Promise<ItemResult> {
  for (let attempt = 0; ; attempt++) {
    await ctx.onIntent();
    let operations: OperationRecord[];
    try {
      operations = await sendDelete(planned, ctx);
    } catch (err) {
      const result = await failedDelete(planned, ctx, err, attempt);
      if (result) return result;
      continue;
    }
    return awaitOperations(ctx, operations);
  }
}

/** The one DeleteDiskSnapshot call, throttle-only retries; the operations it returned. */
async function sendDelete(planned: PlanDeletion, ctx: DeleteContext): Promise<OperationRecord[]> {
  const out = await callWithRetry(
    ctx.limiter,
    () => {
      // Asked at the last moment, after any wait for the rate limiter: a lock lost while
      // the intent was written, or while waiting, stops the call.
      const stop = ctx.mayDelete?.();
      if (stop !== undefined) return Promise.reject(new NotSent(stop));
      return ctx.raw.send(deleteCommand(planned.name, ctx.mayDelete));
    },
    THROTTLE_ONLY,
  );
  return (out.operations ?? []).map(toOperationRecord);
}

/** The item's result after a delete that threw; null when it is worth sending again. */
async function failedDelete(
  planned: PlanDeletion,
  ctx: DeleteContext,
  err: unknown,
  attempt: number,
): Promise<ItemResult | null> {
  if (err instanceof NotSent)
    return {
      outcome: "failed",
      detail: `not deleted: ${err.reason}`,
      operations: [],
      abort: err.reason,
    };
  const c = classifyError(err);
  const detail = describeError(c);
  if (c.class === "gone") return confirmAbsent(planned, ctx, c.name);
  if (c.class === "denied") return { outcome: "denied", detail, operations: [] };
  if (c.class === "abort") return { outcome: "failed", detail, operations: [], abort: detail };
  if (c.class === "fail-item") return { outcome: "failed", detail, operations: [] };
  // Ambiguous (server error, network): did the delete happen? Look before retrying.
  if (attempt >= MAX_AMBIGUOUS_RETRIES)
    return {
      outcome: "failed",
      detail: `${detail} (after ${attempt + 1} attempts)`,
      operations: [],
    };
  const live = await readSnapshot(ctx.reads, planned.region, planned.name);
  if (!live)
    return { outcome: "deleted", detail: `confirmed gone after ${c.name}`, operations: [] };
  return preDeleteCheck(planned, live, ctx);
}

/** Trust "gone" only once a read agrees: otherwise a re-run must try again. */
async function confirmAbsent(
  planned: PlanDeletion,
  ctx: DeleteContext,
  errorName: string,
): Promise<ItemResult> {
  const still = await readSnapshot(ctx.reads, planned.region, planned.name);
  if (still && still.arn === planned.arn) {
    return {
      outcome: "failed",
      detail: `${errorName} on delete, but the snapshot is still there`,
      operations: [],
    };
  }
  return { outcome: "absent", detail: `already absent (${errorName})`, operations: [] };
}

/** Polls the delete's operations to a terminal status: deleted, or failed with the reason. */
async function awaitOperations(
  ctx: DeleteContext,
  operations: OperationRecord[],
): Promise<ItemResult> {
  const finished = await Promise.all(operations.map((op) => pollOperation(ctx, op)));
  const failedOp = finished.find((op) => op.status === "Failed" || op.errorCode !== undefined);
  if (failedOp) {
    return {
      outcome: "failed",
      detail:
        `operation ${failedOp.id} ${failedOp.status}: ${failedOp.errorCode ?? ""} ${failedOp.errorDetails ?? ""}`.trim(),
      operations: finished,
    };
  }
  return {
    outcome: "deleted",
    detail: `deleted (${finished.map((op) => `${op.id} ${op.status}`).join(", ") || "no operation returned"})`,
    operations: finished,
  };
}
