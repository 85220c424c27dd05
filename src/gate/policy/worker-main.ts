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
  /**
   * The candidates' inputs as JSON, one after another in `bytes` (UTF-8), input i ending at
   * `ends[i]`; none for the load-time check. Serialised once on the main thread and moved,
   * not copied, to the worker: a structured clone of 10,000 inputs costs more than evaluating
   * them, and opa-wasm takes an input's JSON bytes as they are.
   */
  inputs: { bytes: ArrayBuffer; ends: readonly number[] };
  /** a result set whose JSON is longer than this is an error (it is copied to the main thread) */
  maxResultChars: number;
}

/** What the worker posts back, once. */
export type PolicyJobReply =
  | { ok: false; error: string }
  | {
      ok: true;
      /** one per input: the entrypoint's result set as JSON, or why its evaluation failed */
      results: ({ resultJson: string } | { error: string })[];
      /** wasm linear memory of the instance in use at the end, in bytes */
      memoryBytes: number;
    };

interface LoadedPolicyLike {
  entrypoints?: Record<string, unknown>;
  mem: { buffer: ArrayBuffer };
  setData(data: object): void;
  evaluate(input: ArrayBuffer, entrypoint: number): unknown;
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
  const results: ({ resultJson: string } | { error: string })[] = [];
  let start = 0;
  for (const end of job.inputs.ends) {
    const input = job.inputs.bytes.slice(start, end);
    start = end;
    try {
      const resultSet = current.policy.evaluate(input, current.entrypoint);
      // a string crosses back to the main thread far faster than the object it stands for
      const resultJson = JSON.stringify(resultSet) ?? "null";
      results.push(
        resultJson.length > job.maxResultChars
          ? {
              error: `the result is ${resultJson.length} characters of JSON, over ${job.maxResultChars}`,
            }
          : { resultJson },
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
