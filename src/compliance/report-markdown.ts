/**
 * report.md: a summary table, then one section per class with a table of its
 * snapshots, most actionable first. Stays under the 65,000-character comment
 * limit by dropping rows (never the summary), with an explicit note.
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
import type { ComplianceReport, ReportSnapshot, SnapshotClass } from "./compliance.js";
import { freshnessMarkdown, freshnessRowCount } from "./report-markdown-freshness.js";

export interface ReportMarkdownOptions {
  limit?: number;
}

/** Section order and headings: what needs attention comes first. */
const SECTIONS: readonly { cls: SnapshotClass; title: string; note: string }[] = [
  {
    cls: "would-delete",
    title: "Would delete (drift)",
    note: "Approved deletions a `snapgate apply` would carry out.",
  },
  {
    cls: "blocked",
    title: "Blocked (violations)",
    note: "Git no longer wants these, but a guard, policy or access check refuses the deletion.",
  },
  {
    cls: "held",
    title: "Held by a safety floor",
    note: "Git no longer wants these, but a safety floor keeps them (a per-source minimum, the last copy of a deleted source): spared by design, not a violation.",
  },
  {
    cls: "protected",
    title: "Protected",
    note: "Undesired but protected by `protect.matchTags`: never deleted.",
  },
  { cls: "desired", title: "Desired", note: "Kept by `keep` or a `retain` rule." },
  { cls: "out-of-scope", title: "Out of scope", note: "Not managed by snapgate: never touched." },
];

export function renderReportMarkdown(
  report: ComplianceReport,
  opts: ReportMarkdownOptions = {},
): string {
  const total =
    report.snapshots.length +
    report.missing.length +
    report.warnings.length +
    freshnessRowCount(report);
  return fitMarkdown(opts.limit ?? MARKDOWN_LIMIT, total, (budget) =>
    renderWithBudget(report, budget),
  );
}

function renderWithBudget(report: ComplianceReport, budget: RowBudget): string {
  const nowMs = Date.parse(report.generatedAt);
  const take = <T>(rows: readonly T[]): T[] => budget.take(rows);
  const c = report.summary.classes;
  const verdict = report.compliant ? ":white_check_mark: compliant" : ":x: **not compliant**";
  const out: string[] = [
    `### snapgate audit: \`${mdEscape(report.source.ref)}\` @ \`${report.source.commit.slice(0, 12)}\` — ${verdict}`,
    "",
    `Account \`${report.account}\` · regions ${report.regions.map((r) => `\`${r}\``).join(", ")} · policy \`${mdEscape(report.policy.bundle)}\` (\`${report.policy.digest}\`) · generated ${report.generatedAt}`,
    "",
    "| class | snapshots |",
    "|---|---:|",
    `| :wastebasket: would delete (drift) | **${c["would-delete"]}** |`,
    `| :no_entry: blocked (violations) | **${c.blocked}** |`,
    `| :grey_question: missing (declared, not live) | **${report.summary.missing}** |`,
    `| :anchor: held by a safety floor | ${c.held} |`,
    `| :lock: protected | ${c.protected} |`,
    `| :white_check_mark: desired | ${c.desired} |`,
    `| :heavy_minus_sign: out of scope | ${c["out-of-scope"]} |`,
    `| live / in scope | ${report.summary.live} / ${report.summary.inScope} |`,
    `| policy warnings | ${report.summary.warnings} |`,
    "",
  ];

  if (report.summary.byRegion.length > 0) {
    out.push(
      "| region | desired | would delete | blocked | protected | out of scope | missing |",
      "|---|---:|---:|---:|---:|---:|---:|",
    );
    for (const r of report.summary.byRegion) {
      const k = r.classes;
      const name = r.configured ? r.region : `${r.region} (not configured)`;
      out.push(
        `| ${name} | ${k.desired} | ${k["would-delete"]} | ${k.blocked} | ${k.protected} | ${k["out-of-scope"]} | ${r.missing} |`,
      );
    }
    out.push("");
  }

  out.push(...freshnessMarkdown(report, budget));

  for (const section of SECTIONS) {
    const rows = report.snapshots.filter((s) => s.class === section.cls);
    if (rows.length === 0) continue;
    out.push(`#### ${section.title} (${rows.length})`, "", section.note, "");
    const shown = take(rows);
    if (shown.length > 0) {
      out.push(
        "| region | snapshot | disk | age | size | state | reasons |",
        "|---|---|---|---:|---:|---|---|",
      );
      for (const s of shown) out.push(snapshotRow(s, nowMs));
      out.push("");
    }
  }

  if (report.missing.length > 0) {
    out.push(
      `#### Missing (${report.missing.length})`,
      "",
      "Declared in `keep` but not live. snapgate never creates snapshots.",
      "",
    );
    for (const m of take(report.missing)) out.push(`- \`${m.region}\` \`${m.name}\``);
    out.push("");
  }
  if (report.warnings.length > 0) {
    out.push(`#### Policy warnings (${report.warnings.length})`, "");
    for (const w of take(report.warnings))
      out.push(`- \`${w.region}\` \`${w.name}\`: ${mdEscape(w.message)}`);
    out.push("");
  }
  out.push(...truncationNote(budget, "report.json"));
  out.push(`Plan digest: \`${report.planDigest}\``);
  return `${out.join("\n")}\n`;
}

function snapshotRow(s: ReportSnapshot, nowMs: number): string {
  const reasons = s.reasons.map((r) => `**${r.kind}**: ${mdEscape(r.message)}`);
  const warnings = s.warnings.map((w) => `:warning: ${mdEscape(w)}`);
  return `| ${s.region} | \`${s.name}\` | ${mdEscape(s.fromDisk ?? (s.fromInstance === null ? "—" : `instance ${s.fromInstance}`))} | ${formatAge(s.createdAt, nowMs)} | ${formatSize(s.sizeInGb)} | ${mdEscape(s.state)} | ${[...reasons, ...warnings].join("<br>")} |`;
}
