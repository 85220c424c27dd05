/**
 * junit.xml, so CI dashboards show drift and violations as failing tests:
 * one <testsuite> per configured region, one <testcase> per in-scope snapshot
 * (`<region>/<name>`, classname = source disk), plus one failing testcase per
 * missing declared snapshot. would-delete fails as "drift", blocked as
 * "violation", missing as "missing"; desired, held and protected pass. Out-of-scope
 * snapshots are not snapgate's and get no testcase. Freshness adds one
 * testcase per covered source and per orphaned source, and one per snapshot
 * deleted outside snapgate (see report-junit-freshness.ts).
 */
import type { ComplianceReport, ReportMissing, ReportSnapshot } from "./compliance.js";
import { freshnessCases } from "./report-junit-freshness.js";

export interface Case {
  name: string;
  classname: string;
  failure?: { type: string; message: string; detail: string };
  /** reported, not checked (an orphaned source has nothing left to check) */
  skipped?: string;
  out?: string;
}

/** Escapes text for XML content and attribute values; drops characters XML 1.0 forbids. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD")
    .replace(/\r\n?/g, "\n")
    .replace(/[&<>"']/g, (ch) => XML_ENTITIES[ch]!);
}

/** Attribute values also keep their line breaks and tabs (parsers turn raw ones into spaces). */
export function xmlAttr(text: string): string {
  return xmlEscape(text).replace(/[\t\n\r]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function renderJunit(report: ComplianceReport): string {
  const regions = [
    ...new Set([
      ...report.regions,
      ...report.missing.map((m) => m.region),
      ...report.deletedOutside.map((d) => d.region),
    ]),
  ].sort();
  const suites = regions.map((region) => {
    const cases = [
      ...report.snapshots
        .filter((s) => s.region === region && s.class !== "out-of-scope")
        .map(snapshotCase),
      ...report.missing.filter((m) => m.region === region).map(missingCase),
      ...freshnessCases(report, region),
    ];
    return {
      region,
      cases,
      failures: cases.filter((c) => c.failure !== undefined).length,
      skipped: cases.filter((c) => c.skipped !== undefined).length,
    };
  });
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const skipped = suites.reduce((n, s) => n + s.skipped, 0);

  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="snapgate audit" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="0" timestamp="${xmlAttr(report.generatedAt)}">`,
  ];
  for (const suite of suites) {
    out.push(
      `  <testsuite name="${xmlAttr(suite.region)}" tests="${suite.cases.length}" failures="${suite.failures}" errors="0" skipped="${suite.skipped}" time="0" timestamp="${xmlAttr(report.generatedAt)}">`,
      "    <properties>",
      property("account", report.account),
      property("commit", report.source.commit),
      property("ref", report.source.ref),
      property("policyDigest", report.policy.digest),
      property("planDigest", report.planDigest),
      "    </properties>",
    );
    for (const c of suite.cases) out.push(renderCase(c));
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}

function property(name: string, value: string): string {
  return `      <property name="${xmlAttr(name)}" value="${xmlAttr(value)}"/>`;
}

function renderCase(c: Case): string {
  const open = `    <testcase name="${xmlAttr(c.name)}" classname="${xmlAttr(c.classname)}" time="0"`;
  if (c.failure === undefined && c.out === undefined && c.skipped === undefined) return `${open}/>`;
  const body: string[] = [`${open}>`];
  if (c.failure !== undefined) {
    body.push(
      `      <failure type="${xmlAttr(c.failure.type)}" message="${xmlAttr(c.failure.message)}">${xmlEscape(c.failure.detail)}</failure>`,
    );
  }
  if (c.skipped !== undefined) body.push(`      <skipped message="${xmlAttr(c.skipped)}"/>`);
  if (c.out !== undefined) body.push(`      <system-out>${xmlEscape(c.out)}</system-out>`);
  body.push("    </testcase>");
  return body.join("\n");
}

/** The snapshot's source as reports name it: the disk, `instance web-1`, or `(no disk)`. */
export function sourceLabel(s: Pick<ReportSnapshot, "fromDisk" | "fromInstance">): string {
  if (s.fromDisk !== null) return s.fromDisk;
  return s.fromInstance !== null ? `instance ${s.fromInstance}` : "(no disk)";
}

function snapshotCase(s: ReportSnapshot): Case {
  const base = { name: `${s.region}/${s.name}`, classname: sourceLabel(s) };
  const reasons = s.reasons.map((r) => `${r.kind}: ${r.message}`);
  const detail = [
    ...reasons,
    ...s.warnings.map((w) => `warning: ${w}`),
    `arn: ${s.arn}`,
    `createdAt: ${s.createdAt}`,
  ].join("\n");
  switch (s.class) {
    case "would-delete":
      return {
        ...base,
        failure: { type: "drift", message: `would delete: ${reasons.join("; ")}`, detail },
      };
    case "blocked":
      return {
        ...base,
        failure: { type: "violation", message: `deletion blocked: ${reasons.join("; ")}`, detail },
      };
    case "protected":
      return { ...base, out: `protected: ${reasons.join("; ")}` };
    case "held":
      return { ...base, out: `held by a safety floor: ${reasons.join("; ")}` };
    default:
      return { ...base, out: `desired: ${reasons.join("; ")}` };
  }
}

function missingCase(m: ReportMissing): Case {
  return {
    name: `${m.region}/${m.name}`,
    classname: "missing",
    failure: {
      type: "missing",
      message: "declared in keep but not live",
      detail: `${m.name} is named in keep for ${m.region} but no such snapshot exists`,
    },
  };
}
