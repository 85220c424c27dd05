/**
 * The body of the policy worker thread. A repository's policy is code its committers wrote: it
 * may loop forever, grow memory or trap, so it never runs on the main thread. The engine
 * starts this function in a `worker_threads` Worker with a time and memory budget; the worker
 * instantiates the compiled module, sets the data and evaluates a whole plan's candidates in
 * one round-trip, then posts the raw result sets back.
 *
 * It is started from its source text (`Function.prototype.toString`), so it must be
 * self-contained: no imports, no references to anything outside its own body. What it needs
 * comes in through `deps`.
 */

/** What the main thread sends (as workerData). */
export interface PolicyJob {
  module: WebAssembly.Module;
  data: Record<string, unknown>;
  entrypointName: string;
  memory: { initial: number; maximum: number };
  /** the candidates' inputs; empty for the load-time check */
  inputs: readonly unknown[];
  /** a result set whose JSON is longer than this is an error (it is copied to the main thread) */
  maxResultChars: number;
}

/** What the worker posts back, once. */
export type PolicyJobReply =
  | { ok: false; error: string }
  | {
      ok: true;
      /** one per input: the entrypoint's result set, or why its evaluation failed */
      results: ({ resultSet: unknown } | { error: string })[];
      /** wasm linear memory of the instance in use at the end, in bytes */
      memoryBytes: number;
    };

interface LoadedPolicyLike {
  entrypoints?: Record<string, unknown>;
  mem: { buffer: ArrayBuffer };
  setData(data: object): void;
  evaluate(input: unknown, entrypoint: number): unknown;
}

export interface PolicyWorkerDeps {
  job: PolicyJob;
  post(reply: PolicyJobReply): void;
  loadPolicy(
    module: WebAssembly.Module,
    memory: { initial: number; maximum: number },
  ): Promise<LoadedPolicyLike>;
}

export async function policyWorkerMain(deps: PolicyWorkerDeps): Promise<void> {
  const { job } = deps;
  // the SDK also throws plain objects ({message}) and strings
  const messageOf = (err: unknown): string => {
    if (typeof err === "string") return err;
    if (err && typeof err === "object" && "message" in err) return String(err.message);
    return String(err);
  };
  const instantiate = async (): Promise<{ policy: LoadedPolicyLike; entrypoint: number }> => {
    const policy = await deps.loadPolicy(job.module, job.memory);
    const entrypoint = policy.entrypoints?.[job.entrypointName];
    if (typeof entrypoint !== "number") {
      const known = Object.keys(policy.entrypoints ?? {}).join(", ") || "none";
      throw new Error(`no entrypoint ${job.entrypointName} (the module has: ${known})`);
    }
    policy.setData(job.data);
    return { policy, entrypoint };
  };
  let current: { policy: LoadedPolicyLike; entrypoint: number };
  try {
    current = await instantiate();
  } catch (err) {
    deps.post({ ok: false, error: messageOf(err) });
    return;
  }
  const results: ({ resultSet: unknown } | { error: string })[] = [];
  for (const input of job.inputs) {
    try {
      const resultSet = current.policy.evaluate(input, current.entrypoint);
      const size = JSON.stringify(resultSet)?.length ?? 0;
      results.push(
        size > job.maxResultChars
          ? { error: `the result is ${size} characters of JSON, over ${job.maxResultChars}` }
          : { resultSet },
      );
    } catch (err) {
      results.push({ error: messageOf(err) });
      // a failed evaluation may have grown the memory: go on with a fresh instance
      try {
        current = await instantiate();
      } catch {
        // the module loaded before, so this is out of memory or similar: keep the current one
      }
    }
  }
  deps.post({ ok: true, results, memoryBytes: current.policy.mem.buffer.byteLength });
}
