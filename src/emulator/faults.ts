/**
 * Injected faults: latency, a token-bucket rate limit, random ServiceExceptions
 * from a seedable PRNG (reproducible tests), an AccountSetupInProgress switch,
 * and scripted faults per operation and/or snapshot name.
 */
import { type ErrorType, LightsailError } from "./protocol.js";

export interface ScriptedFault {
  operation?: string;
  snapshotName?: string;
  exception: ErrorType;
  /** how many matching calls fail (default 1) */
  count?: number;
  message?: string;
}

export interface DeleteFailure {
  /** the snapshot whose next delete operation ends as Failed */
  name: string;
  region?: string;
  errorCode?: string;
  errorDetails?: string;
  count?: number;
}

export interface FaultSettings {
  latencyMs?: number;
  jitterMs?: number;
  ratePerSecond?: number;
  burst?: number;
  serviceErrorRate?: number;
  accountSetupInProgress?: boolean;
  randomSeed?: number;
  scripted?: ScriptedFault[];
  failDeleteOperations?: DeleteFailure[];
}

/** mulberry32: small, fast, and the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEFAULT_MESSAGES: Partial<Record<ErrorType, string>> = {
  ThrottlingException: "Rate exceeded",
  ServiceException: "An internal error occurred. Retry the request.",
  AccountSetupInProgressException:
    "Your account is still being set up. Try again in a few minutes.",
};

function faultError(type: ErrorType, message?: string): LightsailError {
  return new LightsailError(type, message ?? DEFAULT_MESSAGES[type] ?? `Injected ${type}`);
}

export class Faults {
  private latencyMs = 0;
  private jitterMs = 0;
  private ratePerSecond: number | undefined;
  private burst = 0;
  private tokens = 0;
  private refilledAtMs = 0;
  private serviceErrorRate = 0;
  private accountSetup = false;
  private random: () => number;
  private scripted: (ScriptedFault & { remaining: number })[] = [];
  private deleteFailures: (DeleteFailure & { remaining: number })[] = [];
  private holdGate: { promise: Promise<void>; release: () => void } | undefined;

  constructor(
    settings: FaultSettings = {},
    private readonly now: () => number = Date.now,
  ) {
    this.random = seededRandom(settings.randomSeed ?? 1);
    this.apply(settings);
  }

  apply(s: FaultSettings): void {
    if (s.latencyMs !== undefined || s.jitterMs !== undefined)
      this.setLatency(s.latencyMs ?? 0, s.jitterMs ?? 0);
    if (s.ratePerSecond !== undefined) this.setRate(s.ratePerSecond, s.burst);
    if (s.serviceErrorRate !== undefined)
      this.setServiceErrorRate(s.serviceErrorRate, s.randomSeed);
    if (s.accountSetupInProgress !== undefined)
      this.setAccountSetupInProgress(s.accountSetupInProgress);
    for (const f of s.scripted ?? []) this.script(f);
    for (const f of s.failDeleteOperations ?? []) this.failDeleteOperation(f.name, f);
  }

  setLatency(fixedMs: number, jitterMs = 0): void {
    this.latencyMs = Math.max(0, fixedMs);
    this.jitterMs = Math.max(0, jitterMs);
  }

  /** Token bucket: `perSecond` refill, `burst` capacity (default: one second's worth). Undefined turns it off. */
  setRate(perSecond: number | undefined, burst?: number): void {
    this.ratePerSecond = perSecond !== undefined && perSecond > 0 ? perSecond : undefined;
    this.burst = Math.max(1, burst ?? Math.ceil(perSecond ?? 1));
    this.tokens = this.burst;
    this.refilledAtMs = this.now();
  }

  setServiceErrorRate(rate: number, seed?: number): void {
    this.serviceErrorRate = Math.min(1, Math.max(0, rate));
    if (seed !== undefined) this.random = seededRandom(seed);
  }

  setAccountSetupInProgress(on: boolean): void {
    this.accountSetup = on;
  }

  script(fault: ScriptedFault): void {
    this.scripted.push({ ...fault, remaining: fault.count ?? 1 });
  }

  failDeleteOperation(name: string, opts: Omit<DeleteFailure, "name"> = {}): void {
    this.deleteFailures.push({ ...opts, name, remaining: opts.count ?? 1 });
  }

  /**
   * Holds every call until the returned function runs (or clear()): each waits unanswered,
   * none is refused, as if the service had stalled. Deterministic where a long latency
   * would only make an overlap likely.
   */
  hold(): () => void {
    if (!this.holdGate) {
      let release: () => void = () => {};
      const promise = new Promise<void>((resolve) => {
        release = resolve;
      });
      this.holdGate = { promise, release };
    }
    const gate = this.holdGate;
    return () => {
      if (this.holdGate === gate) this.holdGate = undefined;
      gate.release();
    };
  }

  /** While calls are held: what they wait for. */
  held(): Promise<void> | undefined {
    return this.holdGate?.promise;
  }

  clear(): void {
    this.holdGate?.release();
    this.holdGate = undefined;
    this.setLatency(0, 0);
    this.setRate(undefined);
    this.serviceErrorRate = 0;
    this.accountSetup = false;
    this.scripted = [];
    this.deleteFailures = [];
  }

  /** The delay to inject before answering. */
  delayMs(): number {
    if (this.latencyMs === 0 && this.jitterMs === 0) return 0;
    return this.latencyMs + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
  }

  /** Throws the injected error for this call, if any. Order: rate limit, account, random 500, scripted. */
  check(operation: string, targetName: string | undefined): void {
    if (this.ratePerSecond !== undefined && !this.takeToken(this.ratePerSecond)) {
      throw faultError("ThrottlingException");
    }
    if (this.accountSetup) throw faultError("AccountSetupInProgressException");
    if (this.serviceErrorRate > 0 && this.random() < this.serviceErrorRate)
      throw faultError("ServiceException");
    const i = this.scripted.findIndex(
      (f) =>
        f.remaining > 0 &&
        (f.operation === undefined || f.operation === operation) &&
        (f.snapshotName === undefined || f.snapshotName === targetName),
    );
    const hit = this.scripted[i];
    if (hit) {
      hit.remaining -= 1;
      if (hit.remaining === 0) this.scripted.splice(i, 1);
      throw faultError(hit.exception, hit.message);
    }
  }

  /** Consumes a scripted delete failure for this snapshot, if one is armed. */
  takeDeleteFailure(
    region: string,
    name: string,
  ): { errorCode: string; errorDetails: string } | undefined {
    const i = this.deleteFailures.findIndex(
      (f) => f.remaining > 0 && f.name === name && (f.region === undefined || f.region === region),
    );
    const hit = this.deleteFailures[i];
    if (!hit) return undefined;
    hit.remaining -= 1;
    if (hit.remaining === 0) this.deleteFailures.splice(i, 1);
    return {
      errorCode: hit.errorCode ?? "InternalError",
      errorDetails:
        hit.errorDetails ?? `The disk snapshot ${name} could not be deleted (injected failure).`,
    };
  }

  private takeToken(rate: number): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAtMs) / 1000) * rate);
    this.refilledAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
