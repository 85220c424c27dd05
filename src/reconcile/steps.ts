/**
 * One runner for named steps: each step's start, duration and outcome are
 * logged and kept in a report, with the same step names everywhere (logs,
 * audit records, metrics). A failing step stops the run with its error.
 */
import type { Logger } from "pino";

export type StepName =
  | "checkout"
  | "load-desired"
  | "load-policy"
  | "list-live"
  | "diff"
  | "gate"
  | "build-plan"
  | "verify-commit"
  | "apply";

export interface StepRecord {
  step: StepName;
  ms: number;
  ok: boolean;
}

export class StepRunner {
  readonly records: StepRecord[] = [];
  constructor(private readonly log: Logger | undefined) {}

  /** The step that failed, when one did. */
  get failed(): StepName | undefined {
    return this.records.find((r) => !r.ok)?.step;
  }

  async run<T>(step: StepName, fn: () => T | Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      const value = await fn();
      this.finish(step, start, true);
      return value;
    } catch (err) {
      this.finish(step, start, false);
      throw err;
    }
  }

  private finish(step: StepName, start: number, ok: boolean) {
    const ms = Math.round((performance.now() - start) * 10) / 10;
    this.records.push({ step, ms, ok });
    this.log?.debug({ step, ms, ok }, ok ? `${step} done` : `${step} failed`);
  }
}
