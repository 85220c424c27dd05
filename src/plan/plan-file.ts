/**
 * Reading a plan file for apply: strict JSON with positions, a strict schema,
 * a known formatVersion and a digest that matches its content. Anything else
 * is refused before a single Lightsail call.
 */
import { badInput, refused } from "../core/errors.js";
import { parseLocatedJson } from "../core/json-located.js";
import { snapshotKey } from "../core/keys.js";
import type { Plan } from "../core/model.js";
import { PLAN_FORMAT_VERSION, planSchema } from "../core/plan-schema.js";
import { readBoundedText } from "../core/untrusted-file.js";
import { zodIssues } from "../core/yaml-located.js";
import { planDigest } from "./digest.js";

const MAX_PLAN_BYTES = 64 * 1024 * 1024;

/** Parses and checks a plan document's text; `file` names it in messages. */
export function parsePlan(file: string, text: string): Plan {
  const parsed = parseLocatedJson(text);
  if (!parsed.ok) {
    throw badInput([{ file, line: parsed.line, col: parsed.col, message: parsed.message }]);
  }
  const value = parsed.json.value as { formatVersion?: unknown } | null;
  if (
    value &&
    typeof value === "object" &&
    "formatVersion" in value &&
    value.formatVersion !== PLAN_FORMAT_VERSION
  ) {
    throw refused(
      `${file}: formatVersion ${JSON.stringify(value.formatVersion)} is not one this snapgate knows (it knows ${PLAN_FORMAT_VERSION}); re-run plan with this version`,
    );
  }
  const result = planSchema.safeParse(parsed.json.value);
  if (!result.success) {
    throw badInput(
      zodIssues(file, { index: 0, ...parsed.json }, result.error),
      `${file}: not a valid snapgate plan`,
    );
  }
  verifyPlan(file, result.data);
  return result.data;
}

/**
 * What a plan must hold to be applied, however it arrived (a file, the library, `serve`): a
 * valid shape, a digest that matches its content, and deletions consistent with the plan.
 * `label` names it in messages.
 */
export function checkPlanObject(label: string, value: unknown): Plan {
  const result = planSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw refused(`${label}: not a valid snapgate plan (${issues.join("; ")}); refusing`);
  }
  verifyPlan(label, result.data);
  return result.data;
}

function verifyPlan(file: string, plan: Plan): void {
  const actual = planDigest(plan);
  if (actual !== plan.digest) {
    throw refused(
      `${file}: the plan's digest does not match its content (recorded ${plan.digest}, computed ${actual}): the file was edited after it was made; refusing`,
    );
  }
  if (plan.deletions.length !== plan.summary.deletions) {
    throw refused(`${file}: summary.deletions does not match the deletions listed; refusing`);
  }
  const seen = new Set<string>();
  plan.deletions.forEach((d, i) => {
    const [, , , region, account] = d.arn.split(":");
    const where = `${file}: deletions[${i}] (${d.region}/${d.name})`;
    if (region !== d.region)
      throw refused(`${where}: ARN region ${region} differs from the entry's region`);
    if (account !== plan.account)
      throw refused(
        `${where}: ARN account ${account} differs from the plan's account ${plan.account}`,
      );
    if (!plan.regions.includes(d.region))
      throw refused(`${where}: region is not one of the plan's regions`);
    const key = snapshotKey(d);
    if (seen.has(key)) throw refused(`${where}: listed twice`);
    seen.add(key);
  });
}

export async function readPlanFile(file: string): Promise<Plan> {
  // bounded: `show /dev/zero` or a FIFO is refused before anything is read
  const read = await readBoundedText(file, { maxBytes: MAX_PLAN_BYTES });
  if (!read.ok) {
    const { line, col, message } = read.problem;
    throw badInput([
      { file, ...(line !== undefined ? { line, col } : {}), message: `plan file ${message}` },
    ]);
  }
  return parsePlan(file, read.text);
}
