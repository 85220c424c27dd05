/**
 * Fuzzes the plan-file reader apply trusts: parsePlan over mutations of a plan
 * made by the real pipeline (emulator + git + opa-wasm), both as edited (the
 * digest no longer matches) and re-signed (the digest recomputed, so the
 * schema and cross-checks are what stands between the edit and a deletion),
 * and readPlanFile over real files with invalid UTF-8.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Plan } from "../../src/core/model.js";
import { RESOURCE_NAME } from "../../src/core/names.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { serializePlan } from "../../src/plan/build.js";
import { planDigest } from "../../src/plan/digest.js";
import { parsePlan, readPlanFile } from "../../src/plan/plan-file.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import { makeWorld, NOW_MS } from "../helpers/scenario.js";
import {
  attempt,
  attemptSync,
  checkOutcome,
  fuzzParams,
  hasProtoKey,
  inheritedProblem,
  Tally,
} from "./harness.js";
import { applyTextOps, applyValueOps, rawJson, renderJson, textOps, valueOps } from "./mutate.js";

const tally = new Tally();
afterAll(() => tally.print());

const FILE = "plan.json";
let planText = "";
let planValue: unknown;

beforeAll(async () => {
  const world = await makeWorld();
  try {
    const { plan } = await makePlan({
      repo: world.repo.dir,
      cacheDir: world.cacheDir,
      clients: lightsailClientFactory({ endpoint: world.emulator.url }),
      nowMs: NOW_MS,
    });
    planText = serializePlan(plan);
    planValue = JSON.parse(planText);
  } finally {
    await world.close();
  }
});

const planCase = fc.record({
  resign: fc.boolean(),
  structural: fc.boolean(),
  ops: valueOps(rawJson),
  pretty: fc.boolean(),
  text: textOps(false),
});

/** Recomputes the digest the way a tamperer would, when the edit left an object to sign. */
function resign(value: unknown): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  try {
    return { ...(value as object), digest: planDigest(value as Plan) };
  } catch {
    return value;
  }
}

function mutatedPlan(c: typeof planCase extends fc.Arbitrary<infer T> ? T : never): string {
  if (!c.structural)
    return applyTextOps(planText, c.text.length > 0 ? c.text : [{ op: "truncate", at: 100 }]);
  let value = applyValueOps(planValue, c.ops);
  if (c.resign) value = resign(value);
  return applyTextOps(renderJson(value, c.pretty), c.text);
}

/** What is wrong with a plan parsePlan accepted, or null. */
function planProblem(text: string, plan: Plan): string | null {
  try {
    if (hasProtoKey(JSON.parse(text))) return "a __proto__ key was accepted (and silently dropped)";
  } catch {
    return "accepted text that JSON.parse rejects";
  }
  if (planDigest(plan) !== plan.digest) return "digest does not match";
  for (const d of plan.deletions) {
    if (!RESOURCE_NAME.test(d.name)) return `deletion name ${JSON.stringify(d.name)}`;
    if (d.arn.split(":")[3] !== d.region) return `deletion ${d.name}: ARN region differs`;
    if (d.arn.split(":")[4] !== plan.account) return `deletion ${d.name}: ARN account differs`;
  }
  if (plan.deletions.length !== plan.summary.deletions) return "summary.deletions differs";
  return inheritedProblem(plan);
}

describe("fuzz: plan files", () => {
  it("parsePlan: a consistent plan, or a located BadInput / a Refused naming the file", () => {
    fc.assert(
      fc.property(planCase, (c) => {
        const text = mutatedPlan(c);
        const outcome = attemptSync(() => parsePlan(FILE, text));
        checkOutcome(
          tally,
          "plan file (parsePlan)",
          outcome,
          { files: [FILE], texts: { [FILE]: text }, codes: ["BadInput", "Refused"] },
          (plan) => planProblem(text, plan),
        );
      }),
      fuzzParams(2),
    );
  });

  it("readPlanFile: invalid UTF-8 is refused at the position of the first bad byte", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-fuzz-plan-"));
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(),
          fc.constantFrom(
            [0xff],
            [0xc0, 0xaf],
            [0xed, 0xa0, 0x80],
            [0x80],
            [0xf0, 0x9f, 0x98],
            [0xfe, 0xff],
          ),
          async (at, bytes) => {
            const pretty = `${JSON.stringify(planValue, null, 2)}\n`;
            const chars = [...pretty];
            const cut = at % (chars.length + 1);
            const before = chars.slice(0, cut).join("");
            const file = path.join(dir, FILE);
            writeFileSync(
              file,
              Buffer.concat([
                Buffer.from(before),
                Buffer.from(bytes),
                Buffer.from(chars.slice(cut).join("")),
              ]),
            );
            const outcome = await attempt(() => readPlanFile(file));
            checkOutcome(
              tally,
              "plan files on disk (readPlanFile)",
              outcome,
              {
                files: [file],
                texts: { [file]: pretty },
                codes: ["BadInput"],
              },
              () => "invalid UTF-8 was accepted",
            );
            const issue =
              outcome.kind === "rejected"
                ? (outcome.error as { issues: { line?: number; col?: number }[] }).issues[0]
                : undefined;
            const line = before.split("\n").length;
            const col = [...before.slice(before.lastIndexOf("\n") + 1)].length + 1;
            if (issue?.line !== line || issue?.col !== col) {
              throw new Error(
                `invalid UTF-8 at ${line}:${col} reported at ${issue?.line}:${issue?.col}`,
              );
            }
          },
        ),
        fuzzParams(0.2),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
