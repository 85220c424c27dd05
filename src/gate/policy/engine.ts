import { availableParallelism } from "node:os";
import { canonicalJson, sha256 } from "../../core/canonical-json.js";
import { messageOf, SnapgateError } from "../../core/errors.js";
import type { PolicyInput } from "../../core/model.js";
import { isPlainObject } from "./data-merge.js";
import { POLICY_ENTRYPOINT, type PolicyEngine, type PolicyEvaluation } from "./types.js";
import type { PolicyJob } from "./worker-main.js";
import { DEFAULT_POLICY_BUDGET, type PolicyBudget, runPolicyJob } from "./worker-run.js";

/** 64 KiB pages: start at 320 KiB, fail fast at 64 MiB instead of eating the host's memory. */
const MEMORY = { initial: 5, maximum: 1024 } as const;

/**
 * Compiled modules by the sha256 of their bytes: a long-running `serve` plans
 * with the same bundle again and again. Bounded, oldest dropped first.
 */
const compiledModules = new Map<string, Promise<WebAssembly.Module>>();
const MAX_COMPILED_MODULES = 8;

function compileOnce(wasm: Uint8Array): Promise<WebAssembly.Module> {
  const key = sha256(wasm);
  let compiled = compiledModules.get(key);
  if (!compiled) {
    compiled = WebAssembly.compile(new Uint8Array(wasm));
    // a failed compile is not remembered: the error is reported and the next load tries again
    compiled.catch(() => compiledModules.delete(key));
    compiledModules.set(key, compiled);
    const oldest = compiledModules.keys().next().value;
    if (compiledModules.size > MAX_COMPILED_MODULES && oldest !== undefined) {
      compiledModules.delete(oldest);
    }
  }
  return compiled;
}

/** The `policy error: …` verdict: blocks the candidate (fail closed). */
export function policyErrorVerdict(error: string): PolicyEvaluation {
  return { deny: [`policy error: ${error}`], warn: [], error };
}

/**
 * Reads `[{result: {deny: string[], warn?: string[], hold?: string[]}}]`, the result set of the entrypoint.
 * Other keys of the result (helper rules) are ignored. Anything else is a policy error.
 */
export function verdictFromResultSet(resultSet: unknown): PolicyEvaluation {
  if (!Array.isArray(resultSet) || resultSet.length === 0) {
    return policyErrorVerdict(`${POLICY_ENTRYPOINT} is undefined for this input`);
  }
  const result: unknown = resultSet[0]?.result;
  if (resultSet.length !== 1 || !isPlainObject(result)) {
    return policyErrorVerdict(`${POLICY_ENTRYPOINT} must be an object with deny and warn sets`);
  }
  const deny = stringList(result.deny);
  const warn = result.warn === undefined ? [] : stringList(result.warn);
  const hold = result.hold === undefined ? [] : stringList(result.hold);
  if (deny === null) return policyErrorVerdict("deny must be a set of strings");
  if (warn === null) return policyErrorVerdict("warn must be a set of strings");
  if (hold === null) return policyErrorVerdict("hold must be a set of strings");
  // A hold is a denial (a safety floor): one the policy did not also deny still blocks.
  const denied = [...new Set([...deny, ...hold])];
  // sets come back as arrays in no particular order
  return {
    deny: denied.sort(),
    warn: warn.sort(),
    ...(hold.length > 0 ? { hold: hold.sort() } : {}),
  };
}

function stringList(value: unknown): string[] | null {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return null;
  return [...value];
}

/** A result set's JSON beyond this is an error: it is copied from the worker. */
const MAX_RESULT_CHARS = 1024 * 1024;

function jobFor(
  module: WebAssembly.Module,
  data: Record<string, unknown>,
  inputs: readonly PolicyInput[],
): PolicyJob {
  return {
    module,
    data,
    entrypointName: POLICY_ENTRYPOINT,
    memory: MEMORY,
    inputs: encodeInputs(inputs),
    maxResultChars: MAX_RESULT_CHARS,
  };
}

/**
 * Below this many candidates a plan's policy runs in one worker; above it, on up to two (the
 * main thread only waits meanwhile), each taking a consecutive share.
 */
const CANDIDATES_PER_EXTRA_WORKER = 2_000;
const MAX_WORKERS = Math.min(2, availableParallelism());

function workersFor(candidates: number): number {
  return Math.max(1, Math.min(MAX_WORKERS, Math.floor(candidates / CANDIDATES_PER_EXTRA_WORKER)));
}

/** `items` in `n` consecutive, nearly equal shares. */
function chunksOf<T>(items: readonly T[], n: number): T[][] {
  const size = Math.ceil(items.length / n);
  return Array.from({ length: n }, (_, k) => items.slice(k * size, (k + 1) * size)).filter(
    (chunk) => chunk.length > 0,
  );
}

/** Every input's JSON, UTF-8, back to back in one buffer, and where each one ends. */
function encodeInputs(inputs: readonly PolicyInput[]): PolicyJob["inputs"] {
  const texts = inputs.map((input) => JSON.stringify(input));
  const ends: number[] = [];
  let at = 0;
  for (const text of texts) {
    at += Buffer.byteLength(text, "utf8");
    ends.push(at);
  }
  // one encoding of the whole, into a buffer of its own (exactly `at` bytes, movable)
  return { bytes: new TextEncoder().encode(texts.join("")).buffer, ends };
}

/**
 * Compiles the module once (compiling runs none of its code) and checks, in a worker, that it
 * instantiates, has the entrypoint and takes the data. Each `evaluateAll` then runs the whole
 * plan's candidates in one fresh worker under the budget: when the budget runs out (an endless
 * loop, a memory bomb) or the worker dies, every candidate gets the same `policy error` verdict,
 * so the plan fails closed and the main thread never waits on the policy's code.
 */
export async function createPolicyEngine(options: {
  bundle: string;
  wasm: Uint8Array;
  data: Record<string, unknown>;
  budget?: PolicyBudget;
}): Promise<PolicyEngine> {
  const { bundle, wasm, data } = options;
  const budget = options.budget ?? DEFAULT_POLICY_BUDGET;
  const cannotLoad = (why: string, cause?: unknown) =>
    new SnapgateError("PolicyFailed", `policy ${bundle}: cannot load: ${why}`, [], cause);
  let module: WebAssembly.Module;
  try {
    module = await compileOnce(wasm);
  } catch (err) {
    throw cannotLoad(messageOf(err), err);
  }
  const check = await runPolicyJob(jobFor(module, data, []), budget);
  if (!check.ok) throw cannotLoad(check.error);
  let memoryBytes = check.memoryBytes;

  const digest = sha256(Buffer.concat([wasm, Buffer.from(canonicalJson(data), "utf8")]));

  return {
    bundle,
    digest,
    async evaluateAll(inputs: readonly PolicyInput[]): Promise<PolicyEvaluation[]> {
      if (inputs.length === 0) return [];
      const chunks = chunksOf(inputs, workersFor(inputs.length));
      const replies = await Promise.all(
        chunks.map((chunk) => runPolicyJob(jobFor(module, data, chunk), budget)),
      );
      const failed = replies.find((reply) => !reply.ok);
      if (failed && !failed.ok) {
        // one worker out of its budget blocks the whole plan, not just its share
        const verdict = policyErrorVerdict(
          `${failed.error}; every candidate of this plan is blocked`,
        );
        return inputs.map(() => verdict);
      }
      // Verdicts are matched to candidates by position across the shares: a share that gave
      // back more or fewer results than it was sent must not shift another's verdicts.
      const short = replies.some(
        (reply, k) => reply.ok && reply.results.length !== chunks[k]?.length,
      );
      if (short) {
        const verdict = policyErrorVerdict(
          "the policy worker gave a wrong number of results; every candidate of this plan is blocked",
        );
        return inputs.map(() => verdict);
      }
      const results = replies.flatMap((reply) => (reply.ok ? reply.results : []));
      memoryBytes = Math.max(...replies.map((reply) => (reply.ok ? reply.memoryBytes : 0)));
      return inputs.map((_, i) => {
        const result = results[i];
        if (result === undefined) return policyErrorVerdict("the policy worker gave no result");
        return "error" in result
          ? policyErrorVerdict(result.error)
          : verdictFromResultSet(JSON.parse(result.resultJson));
      });
    },
    memoryBytes(): number {
      return memoryBytes;
    },
  };
}
