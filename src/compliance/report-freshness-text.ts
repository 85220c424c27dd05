/** The audit command's console lines about freshness and deletions outside snapgate. */
import type { ComplianceReport } from "./compliance.js";
import { complianceFindings } from "./findings.js";

export function freshnessLines(report: ComplianceReport): string[] {
  const f = report.freshness;
  const lines: string[] = [];
  if (f !== null) {
    const c = f.counts;
    lines.push(
      `  ${f.sources.length} covered sources: ${c.ok} ok, ${c.warn} warn, ${c.stale} stale, ${c.none} none; ${c.orphaned} orphaned, ${c.errors} snapshots in error state`,
    );
  }
  if (report.deletedOutside.length > 0 || f !== null)
    lines.push(`  ${report.deletedOutside.length} deleted outside snapgate`);
  for (const finding of complianceFindings(report)) {
    lines.push(`  ${finding.failing ? "FAIL" : "note"} ${finding.kind}: ${finding.message}`);
  }
  return lines;
}
