/** `snapgate audit`: an audited compliance run. Never deletes; exit 0 compliant, 4 not. */
import type { Command } from "commander";
import { openState } from "../apply/open-state.js";
import { readInventoryHistory, recordInventory } from "../audit-log/inventory-events.js";
import { buildComplianceReport } from "../compliance/compliance.js";
import { sourceFindings } from "../compliance/findings.js";
import { freshnessLines } from "../compliance/report-freshness-text.js";
import { renderReportJson } from "../compliance/report-json.js";
import { renderReportMarkdown } from "../compliance/report-markdown.js";
import { failingLines } from "../compliance/report-text.js";
import {
  parseReportFormats,
  type ReportFormat,
  writeReports,
} from "../compliance/write-reports.js";
import { SnapgateError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { lightsailClientFactory } from "../lightsail/client.js";
import { complianceEvents, findingsToEvents } from "../notify/index.js";
import { makePlan } from "../reconcile/plan-pipeline.js";
import { EXIT } from "./exit-codes.js";
import {
  flagTargets,
  type NotifyFlags,
  notifyAndWait,
  withNotifyOptions,
} from "./notify-options.js";
import { cacheDirFor, clockNow, withLightsailOptions, withStateOptions } from "./options.js";
import { printWarning } from "./warnings.js";

interface AuditFlags extends NotifyFlags {
  repo: string;
  ref?: string;
  reportDir?: string;
  format: string;
  endpointUrl?: string;
  cacheDir?: string;
  state?: string;
  stateDir?: string;
  auditLog?: string;
}

export function registerAuditCommand(program: Command): void {
  withStateOptions(
    withLightsailOptions(
      withNotifyOptions(program.command("audit"), true)
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
  ).action(async (flags: AuditFlags, cmd: Command) => {
    const formats = parseReportFormats(flags.format);
    refuseFilesWithoutDir(formats, flags.reportDir, cmd.getOptionValueSource("format") === "cli");
    const notifyFlags = flags.notify ? flagTargets(flags, process.env) : undefined;
    const nowMs = clockNow();
    // Before any Lightsail call: the run is recorded there, so a bad location fails first.
    const { audit } = await openState(flags);
    const outcome = await makePlan({
      repo: flags.repo,
      ref: flags.ref,
      cacheDir: cacheDirFor(flags),
      clients: lightsailClientFactory({ endpoint: flags.endpointUrl }),
      nowMs,
      log: createLogger(),
      onWarning: printWarning,
    });
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
      `  ${report.summary.live} live snapshots: ${c.desired} desired, ${c["would-delete"]} would be deleted, ${c.blocked} blocked, ${c.protected} protected, ${c.held} held, ${c["out-of-scope"]} out of scope; ${report.summary.missing} missing, ${report.summary.warnings} warnings`,
      ...failingLines(report),
      ...freshnessLines(report),
      ...written.map((f) => `  wrote ${f}`),
    ];
    // Without a directory, `--format json` alone is report.json on stdout (and nothing else).
    const jsonOnStdout = !flags.reportDir && formats.length === 1 && formats[0] === "json";
    if (jsonOnStdout) process.stdout.write(renderReportJson(report));
    else process.stdout.write(`${lines.join("\n")}\n`);
    if (!flags.reportDir && formats.includes("markdown"))
      process.stdout.write(`\n${renderReportMarkdown(report)}`);
    if (notifyFlags) {
      await notifyAndWait(
        [
          ...complianceEvents(report),
          ...findingsToEvents(report.source, {
            sources: sourceFindings(report.freshness),
            deletedOutside: report.deletedOutside,
          }),
        ],
        { flags: notifyFlags, repo: outcome.desired.spec.notifications ?? [] },
        audit,
      );
    }
    process.exitCode = report.compliant ? EXIT.ok : EXIT.notCompliant;
  });
}

/**
 * `--format html` without `--report-dir` used to write nothing and say nothing. Without a
 * directory one report has a place, stdout: markdown or json, alone. Anything else needs one.
 */
function refuseFilesWithoutDir(
  formats: readonly ReportFormat[],
  reportDir: string | undefined,
  chosen: boolean,
): void {
  if (reportDir || !chosen) return;
  const only = formats.length === 1 ? formats[0] : undefined;
  if (only === "markdown" || only === "json") return;
  throw new SnapgateError(
    "BadInput",
    `--format ${formats.join(",")} writes report files: add --report-dir <dir> (without one, --format markdown or --format json prints that one report on stdout)`,
  );
}
