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

/**
 * The worker's program: the opa-wasm SDK (resolved here, by absolute path) and policyWorkerMain,
 * run for each job posted to it, one at a time.
 */
function sourceOfWorker(): string {
  if (workerSource === undefined) {
    const opaWasm = createRequire(import.meta.url).resolve("@open-policy-agent/opa-wasm");
    workerSource = [
      // silenced: a policy's print() must not reach the operator's terminal (and output
      // streams of an idle worker would keep the process from exiting)
      'for (const k of ["log", "info", "warn", "error", "debug", "trace", "dir"]) console[k] = () => {};',
      "process.stdout.write = () => true;",
      "process.stderr.write = () => true;",
      'const { parentPort } = require("node:worker_threads");',
      // The synchronous load: the async one asks `instanceof Response`, and that first touch
      // of the global loads Node's whole fetch implementation into the worker (~30 ms).
      `const { loadPolicySync } = require(${JSON.stringify(opaWasm)});`,
      "const loadPolicy = async (module, memory) => loadPolicySync(module, memory);",
      `const main = (${policyWorkerMain.toString()});`,
      "parentPort.on('message', (job) => {",
      "  main({ job, post: (reply) => parentPort.postMessage(reply), loadPolicy });",
      "});",
    ].join("\n");
  }
  return workerSource;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Idle workers by heap budget, kept warm (their JIT has compiled the SDK) for the next plan;
 * unref'd, so they never keep the process alive. A worker whose job ran out of its budget or
 * died is terminated, never reused; each job instantiates the module afresh either way.
 */
const idle = new Map<number, Worker[]>();
const MAX_IDLE = 2;

function spawnWorker(heapMb: number): Worker {
  const worker = new Worker(sourceOfWorker(), {
    eval: true,
    resourceLimits: {
      maxOldGenerationSizeMb: heapMb,
      maxYoungGenerationSizeMb: Math.max(8, Math.floor(heapMb / 8)),
      stackSizeMb: 4,
    },
    // the policy has no business with the process's environment
    env: {},
  });
  return worker;
}

function takeIdle(heapMb: number): Worker | undefined {
  return idle.get(heapMb)?.pop();
}

function putIdle(heapMb: number, worker: Worker): void {
  const list = idle.get(heapMb) ?? [];
  if (list.length >= MAX_IDLE) {
    void worker.terminate().catch(() => undefined);
    return;
  }
  worker.unref();
  list.push(worker);
  idle.set(heapMb, list);
  // one that dies while idle leaves the pool
  worker.once("exit", () => {
    const at = list.indexOf(worker);
    if (at !== -1) list.splice(at, 1);
  });
}

/**
 * Starts an idle worker for `budget` when none is waiting, so that its start-up (a thread,
 * the opa-wasm SDK) runs beside the git checkout instead of before the policy's first job.
 */
export function prewarmPolicyWorker(budget: PolicyBudget = DEFAULT_POLICY_BUDGET): void {
  if ((idle.get(budget.heapMb)?.length ?? 0) > 0) return;
  const worker = spawnWorker(budget.heapMb);
  // one that fails to start leaves the pool on exit; its error is the next job's to report
  worker.once("error", () => undefined);
  putIdle(budget.heapMb, worker);
}

/** The jobs running now, each stoppable with a reason. */
const running = new Set<(why: string) => void>();

/**
 * Stops every policy job in flight (serve's SIGTERM): each ends as a budget failure with `why`,
 * so its plan blocks every candidate and the reconcile ends now rather than at the budget.
 */
export function stopPolicyWorkers(why: string): void {
  for (const stop of [...running]) stop(why);
}

export function runPolicyJob(
  job: PolicyJob,
  budget: PolicyBudget,
): Promise<PolicyJobReply | PolicyJobFailure> {
  return new Promise((resolve) => {
    const worker = takeIdle(budget.heapMb) ?? spawnWorker(budget.heapMb);
    worker.removeAllListeners("exit");
    worker.ref();
    let settled = false;
    const finish = (reply: PolicyJobReply | PolicyJobFailure, reusable: boolean): void => {
      if (settled) return;
      settled = true;
      running.delete(stopNow);
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      // terminate() also stops a worker that is still looping in wasm
      if (reusable) putIdle(budget.heapMb, worker);
      else void worker.terminate().catch(() => undefined);
      resolve(reply);
    };
    const timer = setTimeout(
      () =>
        finish(
          {
            ok: false,
            budget: true,
            error: `the policy did not finish within ${seconds(budget.timeMs)}, its time budget (SNAPGATE_POLICY_TIMEOUT), and was stopped`,
          },
          false,
        ),
      budget.timeMs,
    );
    const onMessage = (reply: PolicyJobReply) => finish(reply, true);
    const onError = (err: Error & { code?: string }) =>
      finish(
        {
          ok: false,
          budget: true,
          error:
            err.code === "ERR_WORKER_OUT_OF_MEMORY"
              ? `the policy ran out of its memory budget (${budget.heapMb} MiB of heap) and was stopped`
              : `the policy worker failed: ${err.message}`,
        },
        false,
      );
    const onExit = (code: number) =>
      finish({ ok: false, budget: true, error: `the policy worker exited (code ${code})` }, false);
    const stopNow = (why: string) =>
      finish({ ok: false, budget: true, error: `the policy was stopped: ${why}` }, false);
    running.add(stopNow);
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    // the inputs' buffer is moved to the worker, not copied
    worker.postMessage(job, [job.inputs.bytes]);
  });
}
