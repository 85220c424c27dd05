import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/compliance/compliance.js";
import { renderReportHtml, scriptSafeJson } from "../../src/compliance/report-html.js";
import { renderReportJson } from "../../src/compliance/report-json.js";
import { renderReportMarkdown } from "../../src/compliance/report-markdown.js";
import { parseReportFormats, writeReports } from "../../src/compliance/write-reports.js";
import { SnapgateError } from "../../src/core/errors.js";
import { MARKDOWN_LIMIT as REPORT_MARKDOWN_LIMIT } from "../../src/core/markdown.js";
import { daysAgo, desired, set, snap } from "../helpers/fleet.js";
import { mixedFleet, reportFor } from "./report-fixture.js";

function bigReport(n: number): ComplianceReport {
  const fleet = Array.from({ length: n }, (_, i) =>
    snap({
      name: `snapshot-with-a-long-name-${String(i).padStart(5, "0")}`,
      createdAt: daysAgo((i % 300) + 1),
    }),
  );
  const guards = {
    maxDeletions: n,
    maxDeletionPercent: 100,
    minSnapshotsPerDisk: 0,
    allowEmpty: true,
  };
  return reportFor(
    desired({ guards }, [set({ keep: fleet.slice(0, n / 2).map((s) => s.name) })]),
    fleet,
  ).report;
}

describe("renderReportJson", () => {
  it("is the report itself, two-space indented", () => {
    const { report } = mixedFleet();
    const text = renderReportJson(report);
    expect(JSON.parse(text)).toEqual(report);
    expect(text).toContain('\n  "schemaVersion": 2,');
    expect(text.endsWith("}\n")).toBe(true);
  });
});

describe("renderReportMarkdown", () => {
  it("shows the verdict, the summary counts and a section per class", () => {
    const md = renderReportMarkdown(mixedFleet().report);
    expect(md).toContain(":x: **not compliant**");
    expect(md).toContain("| :wastebasket: would delete (drift) | **3** |");
    expect(md).toContain("| :no_entry: blocked (violations) | **2** |");
    expect(md).toContain("| :grey_question: missing (declared, not live) | **1** |");
    expect(md).toContain("| us-east-1 | 2 | 2 | 2 | 2 | 1 | 1 |");
    expect(md).toContain("| ap-northeast-1 (not configured) | 0 | 0 | 0 | 0 | 1 | 0 |");
    const headings = md.split("\n").filter((l) => l.startsWith("#### "));
    expect(headings).toEqual([
      "#### Would delete (drift) (3)",
      "#### Blocked (violations) (2)",
      "#### Protected (2)",
      "#### Desired (3)",
      "#### Out of scope (2)",
      "#### Missing (1)",
      "#### Policy warnings (2)",
    ]);
    expect(md).toMatch(
      /\| us-east-1 \| `web-held-prod` \| web-data \| 100d \| 8 GiB \| completed \| \*\*protect\*\*: .*<br>\*\*access\*\*: deny rule #1 \(env=prod\) matches \|/,
    );
    expect(md).not.toContain("Truncated");
  });

  it("says compliant when it is", () => {
    const { report } = reportFor(desired({}, [set({ keep: ["a"] })]), [snap({ name: "a" })]);
    expect(renderReportMarkdown(report)).toContain(":white_check_mark: compliant");
  });

  it("escapes table-breaking text in reasons", () => {
    const { report } = reportFor(desired({}, [set()]), [snap({ name: "x" })], {
      policy: { evaluate: () => ({ deny: ["a | b\nc"], warn: [] }) },
      access: () => ({ allowed: true }),
    });
    expect(renderReportMarkdown(report)).toContain("**policy**: a \\| b c |");
  });

  it("stays under the 65,000-character limit with a truncation note, keeping the summary", () => {
    const report = bigReport(3000);
    const md = renderReportMarkdown(report);
    expect(md.length).toBeLessThanOrEqual(REPORT_MARKDOWN_LIMIT);
    expect(md).toMatch(/> :warning: \*\*Truncated:\*\* \d+ rows are not shown/);
    expect(md).toContain("| :wastebasket: would delete (drift) | **1500** |");
    expect(md).toContain(`Plan digest: \`${report.planDigest}\``);
    const omitted = Number(/Truncated:\*\* (\d+) rows/.exec(md)![1]);
    const shownRows = md.split("\n").filter((l) => l.startsWith("| us-east-1 | `")).length;
    expect(shownRows + omitted).toBe(3000);
  });

  it("honours a smaller limit", () => {
    const md = renderReportMarkdown(mixedFleet().report, { limit: 2500 });
    expect(md.length).toBeLessThanOrEqual(2500);
    expect(md).toContain("Truncated");
  });
});

describe("renderReportHtml (static checks; the browser test drives it)", () => {
  it("embeds JSON that cannot close its script element or open a comment", () => {
    const { report } = reportFor(desired({}, [set()]), [
      snap({
        name: "x",
        tags: {
          "managed-by": "snapgate",
          note: "</script><script>alert(1)</script><!-- &amp; \u2028",
        },
      }),
    ]);
    const html = renderReportHtml(report);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain("<!--");
    const json = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(
      html,
    )![1]!;
    expect(JSON.parse(json)).toEqual(report);
    expect(JSON.parse(scriptSafeJson({ s: "</SCRIPT><!--" }))).toEqual({ s: "</SCRIPT><!--" });
  });

  it("loads nothing from outside and forbids the network by CSP", () => {
    const html = renderReportHtml(mixedFleet().report);
    expect(html).not.toMatch(/\s(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });

  it("renders the summary counts without JavaScript", () => {
    const html = renderReportHtml(mixedFleet().report);
    expect(html).toContain('<span class="count" data-count="would-delete">3</span>');
    expect(html).toContain('<span class="count" data-count="missing">1</span>');
    expect(html).toContain('data-compliant="false"');
  });

  it("escapes report text in the static parts", () => {
    const { report } = mixedFleet();
    const html = renderReportHtml({
      ...report,
      source: { ...report.source, ref: "<img onerror=x>" },
    });
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img onerror=x&gt;");
  });
});

describe("writeReports", () => {
  it("writes the chosen formats atomically and returns their paths", async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), "snapgate-reports-")), "nested", "out");
    const { report } = mixedFleet();
    const paths = await writeReports(dir, report, ["junit", "json", "json", "markdown", "html"]);
    expect(paths).toEqual(
      ["junit.xml", "report.json", "report.md", "report.html"].map((f) => path.join(dir, f)),
    );
    expect((await readdir(dir)).sort()).toEqual([
      "junit.xml",
      "report.html",
      "report.json",
      "report.md",
    ]);
    expect(JSON.parse(await readFile(path.join(dir, "report.json"), "utf8"))).toEqual(report);
  });

  it("replaces an existing report", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "snapgate-reports-"));
    await writeFile(path.join(dir, "report.json"), "old");
    const { report } = mixedFleet();
    await writeReports(dir, report, ["json"]);
    expect(await readFile(path.join(dir, "report.json"), "utf8")).toBe(renderReportJson(report));
    expect(await readdir(dir)).toEqual(["report.json"]);
  });
});

describe("parseReportFormats", () => {
  it("accepts a comma-separated list", () => {
    expect(parseReportFormats("json, markdown,junit,html,json")).toEqual([
      "json",
      "markdown",
      "junit",
      "html",
    ]);
  });

  it("rejects unknown or empty lists as bad input", () => {
    expect(() => parseReportFormats("json,pdf")).toThrow(SnapgateError);
    expect(() => parseReportFormats("json,pdf")).toThrow(/--format: unknown report format "pdf"/);
    expect(() => parseReportFormats(" , ")).toThrow(/no report format given/);
  });
});
