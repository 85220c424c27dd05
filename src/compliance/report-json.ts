/** report.json: the compliance report as is — its schema is the stable contract (schemaVersion 1). */
import type { ComplianceReport } from "./compliance.js";

export function renderReportJson(report: ComplianceReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
