/**
 * Writes the chosen report formats into a directory. Each file is written to
 * a temporary name, flushed, then renamed into place, so a reader (or a CI
 * artifact upload) never sees a half-written report.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../core/atomic-write.js";
import { badInput } from "../core/errors.js";
import type { ComplianceReport } from "./compliance.js";
import { renderReportHtml } from "./report-html.js";
import { renderReportJson } from "./report-json.js";
import { renderJunit } from "./report-junit.js";
import { renderReportMarkdown } from "./report-markdown.js";

export type ReportFormat = "json" | "markdown" | "junit" | "html";

export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "markdown", "junit", "html"];

export const REPORT_FILE_NAMES: Readonly<Record<ReportFormat, string>> = {
  json: "report.json",
  markdown: "report.md",
  junit: "junit.xml",
  html: "report.html",
};

const RENDERERS: Readonly<Record<ReportFormat, (r: ComplianceReport) => string>> = {
  json: renderReportJson,
  markdown: (r) => renderReportMarkdown(r),
  junit: renderJunit,
  html: renderReportHtml,
};

/** `--format json,markdown,junit,html` → formats; an unknown name is bad input (exit 1). */
export function parseReportFormats(text: string, flag = "--format"): ReportFormat[] {
  const names = text
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const unknown = names.filter((n) => !(REPORT_FORMATS as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    const what =
      names.length === 0
        ? "no report format given"
        : `unknown report format ${unknown.map((n) => JSON.stringify(n)).join(", ")}`;
    throw badInput([
      {
        file: flag,
        message: `${what} (expected a comma-separated list of ${REPORT_FORMATS.join(", ")})`,
      },
    ]);
  }
  return [...new Set(names as ReportFormat[])];
}

/** Returns the paths written, in the order the formats were given (duplicates once). */
export async function writeReports(
  dir: string,
  report: ComplianceReport,
  formats: readonly ReportFormat[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const format of new Set(formats)) {
    const render = RENDERERS[format];
    if (render === undefined) throw new Error(`unknown report format: ${String(format)}`);
    const file = path.join(dir, REPORT_FILE_NAMES[format]);
    await writeFileAtomic(file, render(report));
    written.push(file);
  }
  return written;
}
