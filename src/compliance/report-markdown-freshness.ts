/**
 * report.md's freshness sections: covered sources that need attention first
 * (stale, none, warn, then ok), orphaned sources, and snapshots deleted
 * outside snapgate. Rows come out of the shared budget; the headings and
 * counts always stay.
 */
import { mdEscape, type RowBudget } from "../core/markdown.js";
import type { ComplianceReport } from "./compliance.js";
import { formatSeconds } from "./findings.js";
import type { FreshnessStatus } from "./freshness.js";

const STATUS_ORDER: readonly FreshnessStatus[] = ["stale", "none", "warn", "ok"];
const STATUS_ICON: Readonly<Record<FreshnessStatus, string>> = {
  stale: ":x: **stale**",
  none: ":x: **none**",
  warn: ":warning: warn",
  ok: ":white_check_mark: ok",
};

/** Rows the sections may show (for the budget's total). */
export function freshnessRowCount(report: ComplianceReport): number {
  const f = report.freshness;
  return (f ? f.sources.length + f.orphaned.length : 0) + report.deletedOutside.length;
}

export function freshnessMarkdown(report: ComplianceReport, budget: RowBudget): string[] {
  const out: string[] = [];
  const f = report.freshness;
  if (f !== null) {
    const c = f.counts;
    const window = f.window
      ? ` Window: \`maxAge ${f.window.maxAge}\`${f.window.warnAge ? `, \`warnAge ${f.window.warnAge}\`` : ""}.`
      : "";
    out.push(
      `#### Freshness (${f.sources.length} covered sources: ${c.stale} stale, ${c.none} none, ${c.warn} warn, ${c.ok} ok)`,
      "",
      `Every covered disk and instance needs a completed in-scope snapshot newer than its maxAge.${window}`,
      "",
    );
    const rows = [...f.sources].sort(
      (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status),
    );
    const shown = budget.take(rows);
    if (shown.length > 0) {
      out.push(
        "| status | region | source | newest completed | age | maxAge | error state | gaps |",
        "|---|---|---|---|---:|---:|---|---:|",
      );
      for (const s of shown) {
        const newest = s.newest ? `\`${mdEscape(s.newest.name)}\`` : "—";
        const age = s.newest ? formatSeconds(s.newest.ageSeconds) : "—";
        const errors = s.errors.map((e) => `\`${mdEscape(e.name)}\``).join("<br>") || "—";
        out.push(
          `| ${STATUS_ICON[s.status]} | ${s.region} | ${s.kind} \`${mdEscape(s.source)}\` | ${newest} | ${age} | ${mdEscape(s.window.maxAge)} | ${errors} | ${s.gaps.length} |`,
        );
      }
      out.push("");
    }
    if (f.orphaned.length > 0) {
      out.push(
        `#### Orphaned sources (${f.orphaned.length})`,
        "",
        "In-scope snapshots whose disk or instance no longer exists. The guards keep their last copies.",
        "",
      );
      for (const o of budget.take(f.orphaned)) {
        const newest = o.newest ? `, newest \`${mdEscape(o.newest.name)}\`` : "";
        out.push(
          `- \`${o.region}\` ${o.kind} \`${mdEscape(o.source)}\`: ${o.snapshots} snapshot(s)${newest}`,
        );
      }
      out.push("");
    }
  }
  if (report.deletedOutside.length > 0) {
    out.push(
      `#### Deleted outside snapgate (${report.deletedOutside.length})`,
      "",
      "Seen in scope by an earlier audit or plan, now gone, and no `delete-result` of snapgate's apply in the audit log.",
      "",
      "| region | snapshot | last seen | by | ARN |",
      "|---|---|---|---|---|",
    );
    for (const d of budget.take(report.deletedOutside)) {
      out.push(
        `| ${d.region} | \`${mdEscape(d.name)}\` | ${d.lastSeen} | ${d.lastSeenBy} | \`${mdEscape(d.arn)}\` |`,
      );
    }
    out.push("");
  }
  return out;
}
