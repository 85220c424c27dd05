/**
 * The emulator without HTTP: configuration, state, principals, faults, the
 * async-completion timers, the call log and the deletion log. One instance per
 * running emulator (no module-level state), handed to every operation.
 */
import { createHash } from "node:crypto";
import { evaluateIam } from "../iam/evaluate.js";
import type { IamPolicyDocument, IamRequest } from "../iam/types.js";
import type { Faults } from "./faults.js";
import { LightsailError } from "./protocol.js";
import type { OperationRecord } from "./records.js";
import type { RegionStore, Store } from "./store.js";

export interface EngineConfig {
  pageSize: number;
  createDelayMs: number;
  deleteMode: "sync" | "async";
  deleteDelayMs: number;
  pendingDelete: "allow" | "reject";
}

export interface Principal {
  accessKeyId: string;
  secretAccessKey: string;
  /** undefined = full access (the built-in "test" key) */
  policy?: IamPolicyDocument;
}

export interface CallRecord {
  operation: string;
  region: string | undefined;
  principal: string | undefined;
  /** the snapshot, disk, resource or operation id the call named */
  target: string | undefined;
  outcome: string;
  at: number;
}

export interface DeletedSnapshot {
  region: string;
  name: string;
  arn: string;
  at: number;
}

/** The call log keeps the most recent calls; a long-running emulator must not grow without bound. */
const MAX_CALLS = 1_000_000;

export class Engine {
  readonly calls: CallRecord[] = [];
  readonly deletions: DeletedSnapshot[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly principals = new Map<string, Principal>();

  constructor(
    readonly store: Store,
    readonly config: EngineConfig,
    readonly faults: Faults,
    principals: readonly Principal[],
    readonly changed: () => void,
    readonly now: () => number = Date.now,
  ) {
    this.principals.set("test", { accessKeyId: "test", secretAccessKey: "test" });
    for (const p of principals) this.principals.set(p.accessKeyId, p);
  }

  get account(): string {
    return this.store.account;
  }

  logCall(call: CallRecord): void {
    if (this.calls.length >= MAX_CALLS) this.calls.splice(0, MAX_CALLS / 2);
    this.calls.push(call);
  }

  secretOf(accessKeyId: string): string | undefined {
    return this.principals.get(accessKeyId)?.secretAccessKey;
  }

  /**
   * Who a key belongs to, as sts:GetCallerIdentity reports it: the built-in
   * "test" key is the account's root user, a seeded key an IAM user named after it.
   */
  identityOf(accessKeyId: string): { userId: string; account: string; arn: string } | undefined {
    if (!this.principals.has(accessKeyId)) return undefined;
    const account = this.account;
    if (accessKeyId === "test")
      return { userId: account, account, arn: `arn:aws:iam::${account}:root` };
    const suffix = createHash("sha256")
      .update(accessKeyId)
      .digest("hex")
      .slice(0, 17)
      .toUpperCase();
    return {
      userId: `AIDA${suffix}`,
      account,
      arn: `arn:aws:iam::${account}:user/${accessKeyId}`,
    };
  }

  /** Throws AccessDeniedException unless the principal's policy allows the request. */
  authorize(accessKeyId: string, request: IamRequest): void {
    const principal = this.principals.get(accessKeyId);
    if (!principal) throw new LightsailError("UnauthenticatedException", "Unknown principal.");
    if (principal.policy === undefined) return;
    const decision = evaluateIam(principal.policy, request);
    if (decision.effect === "allow") return;
    const why =
      decision.effect === "explicit-deny" ? ` with an explicit deny in ${decision.statement}` : "";
    throw new LightsailError(
      "AccessDeniedException",
      `User: ${accessKeyId} is not authorized to perform: ${request.action} on resource: ${request.resource}${why}`,
    );
  }

  /** Runs `fn` at `atMs` (or now if past); cleared by stop(). */
  at(atMs: number, fn: () => void): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        fn();
      },
      Math.max(0, atMs - this.now()),
    );
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Moves operations to a terminal status. */
  settleOperations(
    region: RegionStore,
    ids: readonly string[],
    outcome:
      | { status: "Succeeded" }
      | { status: "Failed"; errorCode: string; errorDetails: string },
  ): void {
    const now = this.now();
    for (const id of ids) {
      const op: OperationRecord | undefined = region.operations.get(id);
      if (!op || op.isTerminal) continue;
      op.isTerminal = true;
      op.status = outcome.status;
      op.statusChangedAtMs = now;
      if (outcome.status === "Failed") {
        op.errorCode = outcome.errorCode;
        op.errorDetails = outcome.errorDetails;
      }
    }
  }
}
