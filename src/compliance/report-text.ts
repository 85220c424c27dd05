/**
 * The part of `snapgate audit`'s text output that says which snapshots fail and why:
 * every would-delete, blocked and missing one (up to a limit, then a count), each with
 * its reasons, and the held ones counted with the floors that hold them.
 */
import type { ComplianceReport, ReportSnapshot } from "./compliance.js";

export const FAILING_SHOWN = 20;

interface Failing {
  id: string;
  what: string;
  reasons: string[];
}

function failing(report: ComplianceReport): Failing[] {
  const snapshots = report.snapshots
    .filter((s) => s.class === "would-delete" || s.class === "blocked")
    .map((s: ReportSnapshot) => ({
      id: `${s.region}/${s.name}`,
      what: s.class === "would-delete" ? "would be deleted" : "blocked",
      reasons: s.reasons.map((r) => `${r.kind}: ${r.message}`),
    }));
  const missing = report.missing.map((m) => ({
    id: `${m.region}/${m.name}`,
    what: "missing",
    reasons: ["named in keep, not live"],
  }));
  return [...snapshots, ...missing];
}

/** Lines for the failing snapshots: the first `limit`, then how many more the report holds. */
export function failingLines(report: ComplianceReport, limit = FAILING_SHOWN): string[] {
  const all = failing(report);
  const lines: string[] = [];
  if (all.length > 0) {
    lines.push(`  failing (${all.length}):`);
    for (const f of all.slice(0, limit)) {
      lines.push(`    ${f.id}: ${f.what}`);
      for (const r of f.reasons) lines.push(`      ${r}`);
    }
    if (all.length > limit)
      lines.push(
        `    … and ${all.length - limit} more (the first ${limit} shown; --report-dir writes them all)`,
      );
  }
  lines.push(...heldLines(report));
  return lines;
}

/** Held snapshots are not failures: one line per floor that holds any, with the count. */
function heldLines(report: ComplianceReport): string[] {
  const byFloor = new Map<string, number>();
  for (const s of report.snapshots) {
    if (s.class !== "held") continue;
    for (const floor of new Set(s.reasons.map((r) => r.floor ?? r.kind)))
      byFloor.set(floor, (byFloor.get(floor) ?? 0) + 1);
  }
  if (byFloor.size === 0) return [];
  const held = report.summary.classes.held;
  return [
    `  held by a safety floor, not failing (${held}): ${[...byFloor].map(([floor, n]) => `${n} by ${floor}`).join(", ")}`,
  ];
}
