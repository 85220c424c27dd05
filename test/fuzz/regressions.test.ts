/**
 * Minimal reproductions of what the fuzzers found, one test each, so a fix
 * can be checked without re-running the fuzzers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { parseLocatedJson } from "../../src/core/json-located.js";
import { loadSeedFile } from "../../src/emulator/seed.js";
import { parsePlan, readPlanFile } from "../../src/plan/plan-file.js";
import { parsePushEvent } from "../../src/serve/push-event.js";
import { FLEET_YAML } from "./bases.js";
import { growthProblem } from "./growth.js";
import { attemptSync } from "./harness.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-fuzz-regressions-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rejection(run: () => unknown): SnapgateError {
  try {
    run();
  } catch (err) {
    if (err instanceof SnapgateError) return err;
    throw err;
  }
  throw new Error("expected a SnapgateError, but the call succeeded");
}

async function rejectionOf(run: () => Promise<unknown>): Promise<SnapgateError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof SnapgateError) return err;
    throw err;
  }
  throw new Error("expected a SnapgateError, but the call succeeded");
}

describe("json-located: __proto__ keys", () => {
  it("keeps a __proto__ key as an own property (or refuses it) instead of making it the prototype", () => {
    const parsed = parseLocatedJson('{"__proto__": {"hidden": true}}');
    const value = parsed.ok ? (parsed.json.value as object) : null;
    // Either refused, or a plain object that shows the key it was given.
    if (value !== null) {
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
      expect(Object.hasOwn(value, "__proto__")).toBe(true);
    }
  });
});

describe("plan files", () => {
  it("locates invalid UTF-8 at the bad byte, not at 1:1", async () => {
    const file = path.join(dir, "plan.json");
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('{\n  "formatVersion": 1,\n  "x'),
        Buffer.from([0xff]),
        Buffer.from('"\n}\n'),
      ]),
    );
    const err = await rejectionOf(() => readPlanFile(file));
    expect(err.issues[0]).toMatchObject({ file, line: 3, col: 5 });
  });

  it("refuses a plan with thousands of bad entries in linear time (no quadratic line counting)", () => {
    const texts = new Map<number, string>();
    const textOf = (n: number) => {
      let text = texts.get(n);
      if (text === undefined) {
        const entries = Array.from({ length: n }, () => ({ region: 1, name: 2 }));
        text = JSON.stringify({ formatVersion: 1, missing: entries }, null, 2);
        texts.set(n, text);
      }
      return text;
    };
    expect(attemptSync(() => parsePlan("plan.json", textOf(8000))).kind).toBe("rejected");
    const problem = growthProblem(
      "parsePlan",
      (n) => void attemptSync(() => parsePlan("plan.json", textOf(n))),
      1000,
    );
    expect(problem).toBeNull();
  });
});

describe("fleet seeds", () => {
  it("loadSeedFile refuses invalid UTF-8 instead of decoding it to U+FFFD", async () => {
    const file = path.join(dir, "fleet.yaml");
    writeFileSync(
      file,
      Buffer.concat([Buffer.from("#"), Buffer.from([0xff]), Buffer.from(FLEET_YAML)]),
    );
    const err = await rejectionOf(() => loadSeedFile(file));
    expect(err.issues[0]).toMatchObject({ file, line: 1, col: 2 });
  });
});

describe("webhook payloads", () => {
  const headers = { "x-github-event": "push", "x-github-delivery": "d-1" };
  it.each([
    ["a BOM before the JSON", '\ufeff{"ref": "refs/heads/main"}'],
    ["truncated JSON", '{"ref": "refs/heads/main", '],
  ])("gives a line and column for %s", (_what, body) => {
    const result = parsePushEvent("github", headers, Buffer.from(body));
    expect(result.ok).toBe(false);
    const err = rejection(() => {
      if (!result.ok) throw result.error;
    });
    expect(err.issues[0]?.line).toBeTypeOf("number");
    expect(err.issues[0]?.col).toBeTypeOf("number");
  });
});
