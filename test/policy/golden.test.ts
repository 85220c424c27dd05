// The shared policy cases (policies/testdata/cases.json, also run by `opa test` through
// deletion_test.rego) against the compiled policies/bundle/policy.wasm in the JS SDK, so
// differences between OPA's Go evaluator and wasm + JS built-ins (sprintf, comparisons) show.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/core/canonical-json.js";
import { loadPolicyBundle, type PolicyEngine } from "../../src/gate/policy/index.js";
import { caseInput, evaluateOne, loadCases } from "./helpers.js";

const { baseInput, cases } = loadCases();
const engines = new Map<string, Promise<PolicyEngine>>();

function engineFor(data: Record<string, unknown>): Promise<PolicyEngine> {
  const key = canonicalJson(data);
  let engine = engines.get(key);
  if (!engine) {
    engine = loadPolicyBundle({ kind: "builtin" }, data);
    engines.set(key, engine);
  }
  return engine;
}

describe("built-in policy: shared cases in wasm", () => {
  it("has the cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const engine = await engineFor(c.data ?? {});
    const verdict = await evaluateOne(engine, caseInput(baseInput, c));
    expect(verdict).toEqual({ deny: c.deny, warn: c.warn, ...(c.hold ? { hold: c.hold } : {}) });
  });

  it("covers both outcomes of every rule", () => {
    const messages = cases.flatMap((c) => [...c.deny, ...c.warn]);
    for (const fragment of [
      "state is",
      "days old",
      "would leave disk",
      "last remaining copy",
      "protect tag",
      "more than spec.guards.maxDeletions",
      "tighter than spec.guards",
      "large snapshot",
      "automatic snapshots",
      "policy data error",
      "policy input error",
    ]) {
      expect(
        messages.some((m) => m.includes(fragment)),
        fragment,
      ).toBe(true);
    }
    expect(cases.filter((c) => c.deny.length === 0 && c.warn.length === 0).length).toBeGreaterThan(
      10,
    );
  });
});
