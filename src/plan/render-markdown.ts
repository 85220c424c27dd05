/**
 * Markdown for a pull-request comment: a summary table, collapsible
 * per-region details, every blocked deletion with its reasons, missing
 * snapshots, the kept snapshots with their reasons (collapsed), the digest and
 * the exact apply command. In PR mode deletions this
 * change introduces are shown apart from those already pending on base. Stays
 * under GitHub's comment limit by dropping rows, with an explicit note.
 */

import {
  fitMarkdown,
  formatAge,
  formatSize,
  MARKDOWN_LIMIT,
  mdEscape,
  type RowBudget,
  truncationNote,
} from "../core/markdown.js";
import type { Plan, PlanBlocked, PlanDeletion } from "../core/model.js";
import { planHeadline } from "./headline.js";
import { countByReason } from "./kept.js";

export interface MarkdownOptions {
  planFile?: string;
  limit?: number;
  /** run warnings (e.g. YAML files snapgate does not read), shown under the summary */
  warnings?: readonly string[];
}

export function renderMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const total =
    plan.deletions.length + plan.blocked.length + plan.missing.length + (plan.kept?.length ?? 0);
  return fitMarkdown(opts.limit ?? MARKDOWN_LIMIT, total, (budget) =>
    renderWithBudget(plan, opts, budget),
  );
}

function renderWithBudget(plan: Plan, opts: MarkdownOptions, budget: RowBudget): string {
  const nowMs = Date.parse(plan.createdAt);
  const prMode = plan.source.base !== null;
  const take = <T>(rows: readonly T[]): T[] => budget.take(rows);
  const s = plan.summary;
  const out: string[] = [];
  out.push(
    `### snapgate plan: \`${mdEscape(plan.source.ref)}\` @ \`${plan.source.commit.slice(0, 12)}\``,
    "",
    `Account \`${plan.account}\` · regions ${plan.regions.map((r) => `\`${r}\``).join(", ")} · policy \`${mdEscape(plan.policy.bundle)}\``,
    "",
    "| | snapshots |",
    "|---|---:|",
  );
  if (prMode) {
    const introduced = plan.deletions.filter((d) => d.onBase === false).length;
    out.push(
      `| :wastebasket: will delete | **${s.deletions}** (${introduced} introduced by this change) |`,
    );
  } else {
    out.push(`| :wastebasket: will delete | **${s.deletions}** |`);
  }
  out.push(
    `| :no_entry: blocked | ${s.blocked} |`,
    `| :grey_question: missing (declared, not live) | ${s.missing} |`,
    `| live / in scope / desired | ${s.live} / ${s.inScope} / ${s.desired} |`,
    "",
  );
  const warnings = opts.warnings ?? [];
  if (warnings.length > 0) {
    out.push(`#### :warning: Warnings (${warnings.length})`, "");
    for (const w of warnings) out.push(`- ${mdEscape(w)}`);
    out.push("");
  }

  const deletionSection = (title: string, rows: readonly PlanDeletion[]) => {
    if (rows.length === 0) return;
    out.push(`#### ${title} (${rows.length})`, "");
    for (const [region, list] of groupByRegion(rows)) {
      const shown = take(list);
      if (shown.length === 0) continue;
      out.push(`<details><summary>${region}: ${list.length} to delete</summary>`, "");
      out.push(
        "| snapshot | disk | age | size | reason | warnings |",
        "|---|---|---:|---:|---|---|",
      );
      for (const d of shown) {
        out.push(
          `| \`${d.name}\` | ${mdEscape(d.fromDisk ?? "—")} | ${formatAge(d.createdAt, nowMs)} | ${formatSize(d.sizeInGb)} | ${d.reason} | ${d.warnings.map(mdEscape).join("<br>")} |`,
        );
      }
      out.push("", "</details>", "");
    }
  };
  if (prMode) {
    deletionSection(
      "Deletions introduced by this change",
      plan.deletions.filter((d) => d.onBase === false),
    );
    deletionSection(
      "Deletions already pending on base",
      plan.deletions.filter((d) => d.onBase !== false),
    );
  } else {
    deletionSection("Deletions", plan.deletions);
  }

  if (plan.blocked.length > 0) {
    out.push(...planLevelSection(plan));
    out.push(`#### Blocked deletions (${plan.blocked.length})`, "");
    out.push("| region | snapshot | reason | blocked by |", "|---|---|---|---|");
    for (const b of take(plan.blocked)) out.push(blockedRow(b));
    out.push("");
  }
  if (plan.missing.length > 0) {
    out.push(
      `#### Missing snapshots (${plan.missing.length})`,
      "",
      "Declared in `keep` but not live. snapgate never creates snapshots.",
      "",
    );
    for (const m of take(plan.missing)) out.push(`- \`${m.region}\` \`${m.name}\``);
    out.push("");
  }
  keptSection(plan, out, budget);
  out.push(...truncationNote(budget, "The plan file"));
  out.push(`Plan digest: \`${plan.digest}\``, "");
  if (s.deletions === 0 || s.blocked > 0 || s.missing > 0)
    out.push(mdEscape(plan.headline ?? planHeadline(plan)));
  if (s.deletions > 0) {
    if (s.blocked > 0 || s.missing > 0) out.push("");
    out.push(
      "To apply exactly this plan:",
      "",
      "```",
      `snapgate apply ${opts.planFile ?? "plan.json"}`,
      "```",
    );
  }
  return `${out.join("\n")}\n`;
}

/**
 * Kept snapshots come last and take only the rows left over, so they never push a
 * deletion out of the comment; what they lose is noted inside their own section.
 */
function keptSection(plan: Plan, out: string[], budget: RowBudget) {
  const kept = plan.kept ?? [];
  if (kept.length === 0) return;
  const counts = countByReason(kept)
    .map(([kind, n]) => `${mdEscape(kind)}: ${n}`)
    .join(" · ");
  out.push(
    `<details><summary>Kept: ${kept.length} snapshots (${counts})</summary>`,
    "",
    "| region | snapshot | reasons |",
    "|---|---|---|",
  );
  // What is left of the budget after every deletion, block and missing name: the kept list
  // says itself how much it left out, so it does not count towards "Truncated".
  const shown = budget.takeUncounted(kept);
  for (const k of shown) {
    out.push(`| ${k.region} | \`${k.name}\` | ${k.reasons.map(mdEscape).join(", ")} |`);
  }
  out.push("");
  if (shown.length < kept.length) {
    out.push(
      `${kept.length - shown.length} more not shown to stay under the comment size limit; the plan file lists every kept snapshot.`,
      "",
    );
  }
  out.push("</details>", "");
}

/** Blocks of the whole plan, once, above the table of the snapshots they block. */
function planLevelSection(plan: Plan): string[] {
  const planLevel = plan.planLevel ?? [];
  if (planLevel.length === 0) return [];
  return [
    `#### :no_entry: Blocked for the whole plan (all ${plan.blocked.length} blocked deletions)`,
    "",
    ...planLevel.map((b) => `- **${b.kind}**: ${mdEscape(b.message)}`),
    "",
  ];
}

function blockedRow(b: PlanBlocked): string {
  const own = b.blockedBy.map((r) => `**${r.kind}**: ${mdEscape(r.message)}`);
  const reasons = own.length > 0 ? own.join("<br>") : "the whole plan (above)";
  const tag = b.onBase === false ? " (new)" : "";
  return `| ${b.region} | \`${b.name}\`${tag} | ${b.reason} | ${reasons} |`;
}

function groupByRegion(rows: readonly PlanDeletion[]): Map<string, PlanDeletion[]> {
  const groups = new Map<string, PlanDeletion[]>();
  for (const r of rows) {
    const list = groups.get(r.region);
    if (list) list.push(r);
    else groups.set(r.region, [r]);
  }
  return groups;
}
