/**
 * junit.xml's freshness testcases, per region: one per covered source
 * (`freshness` / `<kind>/<source>`: stale and none fail, warn and ok pass),
 * one skipped testcase per orphaned source, and one failing testcase per
 * snapshot deleted outside snapgate (`deleted-outside` / `<region>/<name>`).
 */
import type { ComplianceReport } from "./compliance.js";
import { formatSeconds } from "./findings.js";
import type { Case } from "./report-junit.js";

export function freshnessCases(report: ComplianceReport, region: string): Case[] {
  const cases: Case[] = [];
  for (const s of report.freshness?.sources ?? []) {
    if (s.region !== region) continue;
    const newest = s.newest
      ? `newest completed snapshot ${s.newest.name} (${s.newest.createdAt}) is ${formatSeconds(s.newest.ageSeconds)} old`
      : `no completed snapshot (${s.snapshots} in scope)`;
    const window = `maxAge ${s.window.maxAge}${s.window.warnAge ? `, warnAge ${s.window.warnAge}` : ""} (${s.window.declaredBy})`;
    const detail = [
      newest,
      window,
      `arn: ${s.arn}`,
      ...s.errors.map((e) => `error state: ${e.name} (${e.createdAt})`),
      ...s.gaps.map((g) => `gap: ${g.from} → ${g.to} (${formatSeconds(g.seconds)})`),
    ].join("\n");
    const base = { name: `${region}/${s.kind}/${s.source}`, classname: "freshness" };
    if (s.status === "stale" || s.status === "none") {
      cases.push({
        ...base,
        failure: {
          type: s.status,
          message:
            s.status === "stale"
              ? `stale: ${newest}, older than maxAge ${s.window.maxAge}`
              : "none: no completed snapshot",
          detail,
        },
      });
    } else {
      cases.push({ ...base, out: `${s.status}: ${detail}` });
    }
  }
  for (const o of report.freshness?.orphaned ?? []) {
    if (o.region !== region) continue;
    cases.push({
      name: `${region}/${o.kind}/${o.source}`,
      classname: "orphaned",
      skipped: `orphaned: the ${o.kind} no longer exists; ${o.snapshots} in-scope snapshot(s) remain${o.newest ? `, newest ${o.newest.name}` : ""}`,
    });
  }
  for (const d of report.deletedOutside) {
    if (d.region !== region) continue;
    cases.push({
      name: `${region}/${d.name}`,
      classname: "deleted-outside",
      failure: {
        type: "deleted-outside",
        message: `deleted outside snapgate: last seen ${d.lastSeen} by ${d.lastSeenBy}, no delete-result in the audit log`,
        detail: `arn: ${d.arn}\nlastSeen: ${d.lastSeen}`,
      },
    });
  }
  return cases;
}
