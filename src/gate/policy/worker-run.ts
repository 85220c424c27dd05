/**
 * Runs one policy job in a fresh worker thread under a budget: a wall-clock limit (the worker
 * is terminated when it passes, an endless loop in wasm included) and V8 heap limits
 * (`resourceLimits`; wasm memory is bounded separately by the module's maximum). The main
 * thread only waits on a message, so `serve` keeps answering while a policy runs.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { PolicyJob, PolicyJobReply } from "./worker-main.js";
import { policyWorkerMain } from "./worker-main.js";

export interface PolicyBudget {
  /** wall-clock time for one job (the load-time check, or all candidates of a plan) */
  timeMs: number;
  /** V8 old-generation heap of the worker, in MiB */
  heapMb: number;
}

export const DEFAULT_POLICY_BUDGET: PolicyBudget = { timeMs: 30_000, heapMb: 256 };

/**
 * The budget, with the time from `SNAPGATE_POLICY_TIMEOUT` (`500ms`, `30s`, `2m`) when set: an
 * operator's setting, never the repository's. Anything else there is refused, not ignored.
 */
export function policyBudgetFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PolicyBudget | { error: string } {
  const text = env.SNAPGATE_POLICY_TIMEOUT;
  if (text === undefined || text === "") return DEFAULT_POLICY_BUDGET;
  const m = /^([1-9]\d{0,6})(ms|s|m)$/.exec(text);
  if (!m) {
    return {
      error: `SNAPGATE_POLICY_TIMEOUT (${JSON.stringify(text)}) is not a duration: use a whole number followed by ms, s or m (e.g. 30s)`,
    };
  }
  const perUnit = m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000;
  return { ...DEFAULT_POLICY_BUDGET, timeMs: Number(m[1]) * perUnit };
}

/** Why a job produced no reply: the budget ran out, or the worker died. */
export type PolicyJobFailure = { ok: false; error: string; budget: true };

let workerSource: string | undefined;

/** The worker's program: the opa-wasm SDK (resolved here, by absolute path) and policyWorkerMain. */
function sourceOfWorker(): string {
  if (workerSource === undefined) {
    const opaWasm = createRequire(import.meta.url).resolve("@open-policy-agent/opa-wasm");
    workerSource = [
      'const { parentPort, workerData } = require("node:worker_threads");',
      `const { loadPolicy } = require(${JSON.stringify(opaWasm)});`,
      `(${policyWorkerMain.toString()})({`,
      "  job: workerData,",
      "  post: (reply) => parentPort.postMessage(reply),",
      "  loadPolicy,",
      "});",
    ].join("\n");
  }
  return workerSource;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function runPolicyJob(
  job: PolicyJob,
  budget: PolicyBudget,
): Promise<PolicyJobReply | PolicyJobFailure> {
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(sourceOfWorker(), {
      eval: true,
      workerData: job,
      resourceLimits: {
        maxOldGenerationSizeMb: budget.heapMb,
        maxYoungGenerationSizeMb: Math.max(8, Math.floor(budget.heapMb / 8)),
        stackSizeMb: 4,
      },
      // the policy has no business with the process's environment or its output streams
      env: {},
      stdout: true,
      stderr: true,
    });
    // drained and dropped: a policy's print() must not reach the operator's terminal
    worker.stdout.resume();
    worker.stderr.resume();
    const finish = (reply: PolicyJobReply | PolicyJobFailure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // terminate() also stops a worker that is still looping in wasm
      void worker.terminate().catch(() => undefined);
      resolve(reply);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          budget: true,
          error: `the policy did not finish within ${seconds(budget.timeMs)}, its time budget (SNAPGATE_POLICY_TIMEOUT), and was stopped`,
        }),
      budget.timeMs,
    );
    worker.on("message", (reply: PolicyJobReply) => finish(reply));
    worker.on("error", (err: Error & { code?: string }) =>
      finish({
        ok: false,
        budget: true,
        error:
          err.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? `the policy ran out of its memory budget (${budget.heapMb} MiB of heap) and was stopped`
            : `the policy worker failed: ${err.message}`,
      }),
    );
    worker.on("exit", (code) =>
      finish({ ok: false, budget: true, error: `the policy worker exited (code ${code})` }),
    );
  });
}
