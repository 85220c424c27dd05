/**
 * GitHub Actions workflow commands: an annotation per blocked deletion (and a
 * notice per approved one), so blocked snapshots show up on the run's page.
 */
import type { Plan } from "../core/model.js";

/** Escaping rules of GitHub's workflow commands (data and property values differ). */
function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

export function renderGithub(plan: Plan): string {
  const lines: string[] = [];
  for (const b of plan.planLevel ?? []) {
    lines.push(
      `::warning title=${escapeProperty(`snapgate: the whole plan is blocked (${plan.blocked.length} deletions)`)}::${escapeData(`${b.kind}: ${b.message}`)}`,
    );
  }
  for (const b of plan.blocked) {
    const own = b.blockedBy.map((r) => `${r.kind}: ${r.message}`);
    const reasons = (own.length > 0 ? own : ["blocked with the whole plan"]).join("\n");
    lines.push(
      `::warning title=${escapeProperty(`snapgate: deletion of ${b.region}/${b.name} blocked`)}::${escapeData(reasons)}`,
    );
  }
  for (const d of plan.deletions) {
    lines.push(
      `::notice title=${escapeProperty(`snapgate: will delete ${d.region}/${d.name}`)}::${escapeData(`${d.reason}${d.warnings.length ? `; warnings: ${d.warnings.join("; ")}` : ""}`)}`,
    );
  }
  const s = plan.summary;
  lines.push(
    `snapgate plan: ${s.deletions} to delete, ${s.blocked} blocked, ${s.missing} missing (digest ${plan.digest})`,
  );
  return `${lines.join("\n")}\n`;
}
