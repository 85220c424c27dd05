/** `snapgate audit`: an audited compliance run. Never deletes; exit 0 compliant, 4 not. */
import type { Command } from "commander";
import { readInventoryHistory, recordInventory } from "../audit-log/inventory-events.js";
import { buildComplianceReport } from "../compliance/compliance.js";
import { freshnessLines } from "../compliance/report-freshness-text.js";
import { renderReportMarkdown } from "../compliance/report-markdown.js";
import { parseReportFormats, writeReports } from "../compliance/write-reports.js";
import { createLogger } from "../core/logger.js";
import { lightsailClientFactory } from "../lightsail/client.js";
import { makePlan } from "../reconcile/plan-pipeline.js";
import { EXIT } from "./exit-codes.js";
import { cacheDirFor, clockNow, withLightsailOptions, withStateOptions } from "./options.js";
import { resolveState } from "./state.js";
import { printWarning } from "./warnings.js";

interface AuditFlags {
  repo: string;
  ref?: string;
  reportDir?: string;
  format: string;
  endpointUrl?: string;
  cacheDir?: string;
  stateDir?: string;
  auditLog?: string;
}

export function registerAuditCommand(program: Command): void {
  withStateOptions(
    withLightsailOptions(
      program
        .command("audit")
        .description(
          "compliance run: classify every live snapshot and write reports; never deletes",
        )
        .requiredOption("--repo <path-or-url>", "desired-state git repository")
        .option("--ref <ref>", "branch, tag or commit")
        .option("--report-dir <dir>", "write reports here")
        .option(
          "--format <list>",
          "report formats: json,markdown,junit,html",
          "json,markdown,junit,html",
        )
        .option("--cache-dir <dir>", "git cache directory"),
    ),
  ).action(async (flags: AuditFlags) => {
    const formats = parseReportFormats(flags.format);
    const nowMs = clockNow();
    const outcome = await makePlan({
      repo: flags.repo,
      ref: flags.ref,
      cacheDir: cacheDirFor(flags),
      clients: lightsailClientFactory({ endpoint: flags.endpointUrl }),
      nowMs,
      log: createLogger(),
      onWarning: printWarning,
    });
    const { audit } = resolveState(flags);
    // What earlier audits and plans saw, read before this audit records its own view.
    const history = await readInventoryHistory(audit);
    const report = buildComplianceReport({ ...outcome, nowMs, history });
    const written = flags.reportDir ? await writeReports(flags.reportDir, report, formats) : [];
    await recordInventory(audit, "audit", report.regions, outcome.diff.inScope, {
      planDigest: report.planDigest,
    });
    await audit.append("audit-run", {
      commit: report.source.commit,
      ref: report.source.ref,
      repo: report.source.repo,
      account: report.account,
      regions: report.regions,
      policyDigest: report.policy.digest,
      planDigest: report.planDigest,
      compliant: report.compliant,
      counts: report.summary.classes,
      missing: report.summary.missing,
      warnings: report.summary.warnings,
      freshness: report.freshness?.counts ?? null,
      deletedOutside: report.deletedOutside.map((d) => d.arn),
      reports: written,
    });
    const c = report.summary.classes;
    const lines = [
      `snapgate audit of ${report.source.repo} @ ${report.source.ref} (${report.source.commit.slice(0, 12)}): ${report.compliant ? "COMPLIANT" : "NOT COMPLIANT"}`,
      `  ${report.summary.live} live snapshots: ${c.desired} desired, ${c["would-delete"]} would be deleted, ${c.blocked} blocked, ${c.protected} protected, ${c["out-of-scope"]} out of scope; ${report.summary.missing} missing, ${report.summary.warnings} warnings`,
      ...freshnessLines(report),
      ...written.map((f) => `  wrote ${f}`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (!flags.reportDir && formats.includes("markdown"))
      process.stdout.write(`\n${renderReportMarkdown(report)}`);
    process.exitCode = report.compliant ? EXIT.ok : EXIT.notCompliant;
  });
}
