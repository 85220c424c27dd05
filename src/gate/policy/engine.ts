import { type LoadedPolicy, loadPolicy } from "@open-policy-agent/opa-wasm";
import { canonicalJson, sha256 } from "../../core/canonical-json.js";
import { messageOf, SnapgateError } from "../../core/errors.js";
import type { PolicyInput } from "../../core/model.js";
import { isPlainObject } from "./data-merge.js";
import { POLICY_ENTRYPOINT, type PolicyEngine, type PolicyEvaluation } from "./types.js";

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

interface Instance {
  policy: LoadedPolicy;
  entrypoint: number;
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

async function instantiate(module: WebAssembly.Module, data: object): Promise<Instance> {
  const policy = await loadPolicy(module, MEMORY);
  const entrypoint: unknown = (policy.entrypoints as Record<string, unknown>)[POLICY_ENTRYPOINT];
  if (typeof entrypoint !== "number") {
    const known = Object.keys(policy.entrypoints ?? {}).join(", ") || "none";
    throw new Error(`no entrypoint ${POLICY_ENTRYPOINT} (the module has: ${known})`);
  }
  policy.setData(data);
  return { policy, entrypoint };
}

/**
 * Compiles the module once, instantiates it with bounded memory, sets the data once and
 * evaluates per candidate. After an evaluation error the instance is swapped for a spare one
 * instantiated from the cached module (dropping any memory the failure grew), and a new spare
 * is prepared in the background. Evaluation is synchronous, so if a second error comes before
 * the new spare is ready the current instance stays in use: every evaluation resets the wasm
 * heap to just after the data, so it remains usable.
 */
export async function createPolicyEngine(options: {
  bundle: string;
  wasm: Uint8Array;
  data: Record<string, unknown>;
}): Promise<PolicyEngine> {
  const { bundle, wasm, data } = options;
  let module: WebAssembly.Module;
  let current: Instance;
  let spare: Instance | null;
  try {
    module = await compileOnce(wasm);
    [current, spare] = await Promise.all([instantiate(module, data), instantiate(module, data)]);
  } catch (err) {
    throw new SnapgateError(
      "PolicyFailed",
      `policy ${bundle}: cannot load: ${messageOf(err)}`,
      [],
      err,
    );
  }

  let refilling = false;
  const refillSpare = (): void => {
    if (refilling) return;
    refilling = true;
    instantiate(module, data)
      .then((fresh) => {
        spare = fresh;
      })
      // the module loaded before, so this is out of memory or similar: keep the current one
      .catch(() => undefined)
      .finally(() => {
        refilling = false;
      });
  };

  const digest = sha256(Buffer.concat([wasm, Buffer.from(canonicalJson(data), "utf8")]));

  return {
    bundle,
    digest,
    evaluate(input: PolicyInput): PolicyEvaluation {
      let resultSet: unknown;
      try {
        resultSet = current.policy.evaluate(input, current.entrypoint);
      } catch (err) {
        if (spare) {
          current = spare;
          spare = null;
        }
        refillSpare();
        return policyErrorVerdict(messageOf(err));
      }
      return verdictFromResultSet(resultSet);
    },
    memoryBytes(): number {
      return current.policy.mem.buffer.byteLength;
    },
  };
}
