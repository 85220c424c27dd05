/**
 * Terraform-style text: one line per snapshot (region, name, age, size,
 * reason), every reason under a blocked one, then a summary. Colour only when
 * asked (the CLI asks on a TTY).
 */

import { formatAge, formatSize } from "../core/markdown.js";
import type { Plan, PlanBlocked, PlanDeletion } from "../core/model.js";
import { printableDeep } from "../core/printable.js";
import { planHeadline } from "./headline.js";
import { countByReason } from "./kept.js";

export interface TextOptions {
  color: boolean;
  /** the path the plan was written to, for the apply hint */
  planFile?: string;
  /** list every kept snapshot with its reasons, not only the count per reason */
  showKept?: boolean;
}

const ANSI = { red: "31", green: "32", yellow: "33", dim: "2", bold: "1" } as const;

export function renderText(untrusted: Plan, opts: TextOptions): string {
  // every string of the plan came from a repository or a plan file: no raw control characters
  const plan = printableDeep(untrusted);
  const paint = (code: keyof typeof ANSI, s: string) =>
    opts.color ? `\u001b[${ANSI[code]}m${s}\u001b[0m` : s;
  const nowMs = Date.parse(plan.createdAt);
  const nameWidth = Math.max(20, ...[...plan.deletions, ...plan.blocked].map((x) => x.name.length));
  const regionWidth = Math.max(
    9,
    ...[...plan.deletions, ...plan.blocked].map((x) => x.region.length),
  );
  const row = (mark: string, x: PlanDeletion | PlanBlocked) =>
    `  ${mark} ${x.region.padEnd(regionWidth)}  ${x.name.padEnd(nameWidth)}  ${formatAge(x.createdAt, nowMs).padStart(5)}  ${formatSize(x.sizeInGb).padStart(8)}  ${x.reason}${x.onBase === false ? "  (new in this change)" : ""}`;

  const lines: string[] = [];
  const src = plan.source;
  lines.push(
    paint("bold", `snapgate plan for ${src.repo} @ ${src.ref} (${src.commit.slice(0, 12)})`),
    `account ${plan.account} · regions ${plan.regions.join(", ")} · policy ${plan.policy.bundle} (${plan.policy.digest.slice(0, 19)}…)`,
    "",
  );
  if (plan.deletions.length > 0) {
    lines.push("Will delete:");
    for (const d of plan.deletions) {
      lines.push(paint("red", row("-", d)));
      for (const w of d.warnings) lines.push(paint("yellow", `        warning: ${w}`));
    }
    lines.push("");
  }
  if (plan.blocked.length > 0) {
    lines.push(...planLevelLines(plan));
    lines.push("Blocked (will not be deleted):");
    for (const b of plan.blocked) {
      lines.push(paint("yellow", row("x", b)));
      for (const r of b.blockedBy) lines.push(`        ${r.kind}: ${r.message}`);
    }
    lines.push("");
  }
  if (plan.missing.length > 0) {
    lines.push("Missing (declared in keep, not live; snapgate never creates snapshots):");
    for (const m of plan.missing) lines.push(`  ? ${m.region.padEnd(regionWidth)}  ${m.name}`);
    lines.push("");
  }
  const kept = plan.kept ?? [];
  if (kept.length > 0) {
    lines.push(`Kept (${kept.length}), snapshots per reason:`);
    const counts = countByReason(kept);
    const width = Math.max(...counts.map(([kind]) => kind.length));
    for (const [kind, n] of counts) lines.push(`  ${kind.padEnd(width)}  ${n}`);
    if (opts.showKept) {
      for (const k of kept) {
        lines.push(
          paint(
            "green",
            `  = ${k.region.padEnd(regionWidth)}  ${k.name.padEnd(nameWidth)}  ${k.reasons.join(", ")}`,
          ),
        );
      }
    }
    lines.push("");
  }
  const s = plan.summary;
  lines.push(
    paint(
      "bold",
      `Plan: ${s.deletions} to delete, ${s.blocked} blocked, ${s.missing} missing (live ${s.live}, in scope ${s.inScope}, desired ${s.desired}).`,
    ),
  );
  lines.push(paint("dim", `Plan digest: ${plan.digest}`));
  if (s.deletions === 0 || s.blocked > 0 || s.missing > 0) lines.push(headlineOf(plan));
  if (s.deletions > 0 && opts.planFile)
    lines.push(`To apply exactly this plan: snapgate apply ${opts.planFile}`);
  return `${lines.join("\n")}\n`;
}

/** The plan's headline; computed for plans made before it was recorded. */
export function headlineOf(plan: Plan): string {
  return plan.headline ?? planHeadline(plan);
}

/** Blocks of the whole plan, once, above the snapshots they block. */
function planLevelLines(plan: Plan): string[] {
  const planLevel = plan.planLevel ?? [];
  if (planLevel.length === 0) return [];
  return [
    `Blocked for the whole plan (each of the ${plan.blocked.length} snapshots below):`,
    ...planLevel.map((b) => `        ${b.kind}: ${b.message}`),
    "",
  ];
}
