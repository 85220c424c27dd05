/**
 * report.html: one self-contained page — inline CSS and JS, no external
 * asset, and a Content-Security-Policy that forbids any network access. The
 * summary, missing snapshots and warnings are rendered here, so they read
 * without JavaScript; the sortable/filterable snapshot table and the per-disk
 * timeline are drawn by the inline script from the JSON in #report-data.
 *
 * Test hooks: `#summary [data-count="<class>"]`, `#snapshots tbody tr[data-class]`,
 * `#filter-text`, `#filter-class`, `#snapshots th[data-sort]`, `#row-count`,
 * `#chart [data-chart-mark][data-class]`, `#legend [data-legend]`, a kept mark's
 * `[data-kept-by]`, `#kept-legend [data-legend-kept]`.
 */
import { type ComplianceReport, SNAPSHOT_CLASSES, type SnapshotClass } from "./compliance.js";
import { KEPT_UNIT_LABELS, KEPT_UNITS } from "./kept-reasons.js";
import { REPORT_CLIENT_SCRIPT } from "./report-html-client.js";
import { FRESHNESS_STYLE, freshnessHtml } from "./report-html-freshness.js";

export const CLASS_LABELS: Readonly<Record<SnapshotClass, string>> = {
  desired: "desired (kept)",
  "would-delete": "would delete",
  blocked: "blocked",
  held: "held by a safety floor",
  protected: "protected",
  "out-of-scope": "out of scope",
};

export function htmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch]!);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** JSON that is safe inside a <script> element: no `</script`, no `<!--`, no raw line separators. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function renderReportHtml(report: ComplianceReport): string {
  const e = htmlEscape;
  const c = report.summary.classes;
  const verdict = report.compliant ? "compliant" : "not compliant";
  const card = (key: string, label: string, count: number, cls = key) =>
    `<div class="card c-${e(cls)}"><span class="label">${e(label)}</span><span class="count" data-count="${e(key)}">${count}</span></div>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="color-scheme" content="light">
<title>snapgate audit — ${e(verdict)} — ${e(report.source.ref)} @ ${e(report.source.commit.slice(0, 12))}</title>
<style>${STYLE}${KEPT_STYLE}${FRESHNESS_STYLE}</style>
</head>
<body>
<header>
<h1>snapgate audit <span id="verdict" class="verdict ${report.compliant ? "ok" : "bad"}" data-compliant="${report.compliant}">${e(verdict)}</span></h1>
<dl class="meta">
<dt>repo</dt><dd>${e(report.source.repo)}</dd>
<dt>ref</dt><dd><code>${e(report.source.ref)}</code> @ <code>${e(report.source.commit)}</code></dd>
<dt>account</dt><dd><code>${e(report.account)}</code></dd>
<dt>regions</dt><dd>${report.regions.map((r) => `<code>${e(r)}</code>`).join(" ")}</dd>
<dt>policy</dt><dd><code>${e(report.policy.bundle)}</code> <code class="digest">${e(report.policy.digest)}</code></dd>
<dt>plan digest</dt><dd><code class="digest">${e(report.planDigest)}</code></dd>
<dt>generated</dt><dd><time datetime="${e(report.generatedAt)}">${e(report.generatedAt)}</time></dd>
</dl>
</header>
<main>
<section id="summary" aria-label="Summary">
<div class="cards">
${card("would-delete", "would delete (drift)", c["would-delete"])}
${card("blocked", "blocked (violations)", c.blocked)}
${card("held", "held by a safety floor", c.held)}
${card("missing", "missing (declared, not live)", report.summary.missing)}
${card("protected", "protected", c.protected)}
${card("desired", "desired (kept)", c.desired)}
${card("out-of-scope", "out of scope", c["out-of-scope"])}
${card("warnings", "policy warnings", report.summary.warnings)}
${card("live", "live snapshots", report.summary.live)}
${card("in-scope", "in scope", report.summary.inScope)}
</div>
${regionTable(report)}
</section>
${freshnessHtml(report)}
<section id="timeline">
<h2>Snapshots per disk over time</h2>
<ul id="legend">${SNAPSHOT_CLASSES.map((k) => `<li data-legend="${k}"><span class="swatch c-${k}"></span>${e(CLASS_LABELS[k])} <span class="n">${c[k]}</span></li>`).join("")}</ul>
${keptLegend(report)}
<div id="chart"><noscript>The timeline needs JavaScript; report.json holds the same data.</noscript></div>
</section>
<section id="snapshots-section">
<h2>Snapshots</h2>
<div class="controls">
<label>Filter <input id="filter-text" type="search" placeholder="name, disk, tag, reason…" autocomplete="off"></label>
<label>Class <select id="filter-class"><option value="">all classes</option>${SNAPSHOT_CLASSES.map((k) => `<option value="${k}">${e(CLASS_LABELS[k])}</option>`).join("")}</select></label>
<span id="row-count" aria-live="polite"></span>
</div>
<div class="table-wrap">
<table id="snapshots">
<thead><tr>${COLUMNS.map(([key, label]) => `<th data-sort="${key}" aria-sort="none"><button type="button">${label}</button></th>`).join("")}<th>reasons</th></tr></thead>
<tbody></tbody>
</table>
</div>
</section>
${missingSection(report)}
${warningSection(report)}
</main>
<script type="application/json" id="report-data">${scriptSafeJson(report)}</script>
<script>${REPORT_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

const COLUMNS: readonly (readonly [string, string])[] = [
  ["class", "class"],
  ["region", "region"],
  ["name", "snapshot"],
  ["fromDisk", "disk"],
  ["createdAt", "created"],
  ["sizeInGb", "size (GiB)"],
  ["state", "state"],
];

function regionTable(report: ComplianceReport): string {
  if (report.summary.byRegion.length === 0) return "";
  const rows = report.summary.byRegion.map((r) => {
    const k = r.classes;
    const name = r.configured
      ? htmlEscape(r.region)
      : `${htmlEscape(r.region)} <small>(not configured)</small>`;
    return `<tr data-region="${htmlEscape(r.region)}"><td>${name}</td><td>${k.desired}</td><td>${k["would-delete"]}</td><td>${k.blocked}</td><td>${k.protected}</td><td>${k["out-of-scope"]}</td><td>${r.missing}</td></tr>`;
  });
  return `<table id="regions"><thead><tr><th>region</th><th>desired</th><th>would delete</th><th>blocked</th><th>protected</th><th>out of scope</th><th>missing</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** Kept snapshots are coloured by the unit that keeps them: the units present, with counts. */
function keptLegend(report: ComplianceReport): string {
  const counts = new Map<string, number>();
  for (const s of report.snapshots)
    if (s.keptBy !== null) counts.set(s.keptBy, (counts.get(s.keptBy) ?? 0) + 1);
  const items = KEPT_UNITS.filter((u) => counts.has(u)).map(
    (u) =>
      `<li data-legend-kept="${u}"><span class="swatch k-${u}"></span>${htmlEscape(KEPT_UNIT_LABELS[u])} <span class="n">${counts.get(u)}</span></li>`,
  );
  if (items.length === 0) return "";
  return `<ul id="kept-legend" aria-label="Kept snapshots by what keeps them"><li class="title">kept by</li>${items.join("")}</ul>`;
}

function missingSection(report: ComplianceReport): string {
  if (report.missing.length === 0) return "";
  const items = report.missing.map(
    (m) =>
      `<li data-missing="${htmlEscape(`${m.region}/${m.name}`)}"><code>${htmlEscape(m.region)}</code> <code>${htmlEscape(m.name)}</code></li>`,
  );
  return `<section id="missing"><h2>Missing (${report.missing.length})</h2><p>Declared in <code>keep</code> but not live. snapgate never creates snapshots.</p><ul>${items.join("")}</ul></section>`;
}

function warningSection(report: ComplianceReport): string {
  if (report.warnings.length === 0) return "";
  const items = report.warnings.map(
    (w) =>
      `<li><code>${htmlEscape(w.region)}</code> <code>${htmlEscape(w.name)}</code>: ${htmlEscape(w.message)}</li>`,
  );
  return `<section id="warnings"><h2>Policy warnings (${report.warnings.length})</h2><ul>${items.join("")}</ul></section>`;
}

const STYLE = `
:root{--desired:#2e7d32;--would-delete:#c62828;--blocked:#ef6c00;--held:#6d4c41;--protected:#1565c0;--out-of-scope:#9e9e9e;--fg:#1d232a;--muted:#5f6b76;--line:#dde2e7;--bg:#fff;--alt:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header,main{max-width:1200px;margin:0 auto;padding:16px 24px}
h1{font-size:22px;margin:8px 0 12px}h2{font-size:17px;margin:28px 0 10px}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}.digest{color:var(--muted);word-break:break-all}
.verdict{font-size:14px;padding:3px 10px;border-radius:12px;vertical-align:middle;color:#fff}.verdict.ok{background:var(--desired)}.verdict.bad{background:var(--would-delete)}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;color:var(--muted)}.meta dd{margin:0;color:var(--fg)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}
.card{border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:6px;padding:8px 12px;display:flex;flex-direction:column}
.card .label{color:var(--muted);font-size:12px}.card .count{font-size:24px;font-weight:600}
.card.c-desired{border-left-color:var(--desired)}.card.c-would-delete{border-left-color:var(--would-delete)}.card.c-blocked{border-left-color:var(--blocked)}.card.c-held{border-left-color:var(--held)}.card.c-protected{border-left-color:var(--protected)}.card.c-out-of-scope{border-left-color:var(--out-of-scope)}.card.c-missing{border-left-color:#6a1b9a}
table{border-collapse:collapse;width:100%;margin-top:14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
#regions td:not(:first-child),#regions th:not(:first-child){text-align:right}
thead th{background:var(--alt)}#snapshots thead th{position:sticky;top:0;z-index:1}
#snapshots td:not(:last-child){white-space:nowrap}#snapshots td:last-child{min-width:280px}
th button{all:unset;cursor:pointer;font-weight:600}th button:focus-visible{outline:2px solid var(--protected)}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
tbody tr:nth-child(even){background:var(--alt)}
.table-wrap{overflow-x:auto}
.controls{display:flex;flex-wrap:wrap;gap:16px;align-items:center}.controls input{width:260px}.controls input,.controls select{font:inherit;padding:3px 6px}
#row-count{color:var(--muted)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.badge.c-desired{background:var(--desired)}.badge.c-would-delete{background:var(--would-delete)}.badge.c-blocked{background:var(--blocked)}.badge.c-held{background:var(--held)}.badge.c-protected{background:var(--protected)}.badge.c-out-of-scope{background:var(--out-of-scope)}
.reasons{margin:0;padding-left:16px}.reasons .warn{color:#8d5c00}.tags{color:var(--muted);font-size:12px;white-space:normal;overflow-wrap:anywhere;max-width:300px}
#legend{list-style:none;display:flex;flex-wrap:wrap;gap:18px;padding:0;margin:0 0 8px}#legend .n{color:var(--muted)}
.swatch{display:inline-block;width:12px;height:12px;border-radius:50%;margin-right:6px;vertical-align:-1px}
.swatch.c-desired{background:var(--desired)}.swatch.c-would-delete{background:var(--would-delete)}.swatch.c-blocked{background:var(--blocked)}.swatch.c-held{background:var(--held)}.swatch.c-protected{background:var(--protected)}.swatch.c-out-of-scope{background:var(--out-of-scope)}
#chart{overflow-x:auto;border:1px solid var(--line);border-radius:6px}#chart svg{display:block;min-width:720px}
#chart .row-label{font-size:12px;fill:var(--fg)}#chart .tick{font-size:11px;fill:var(--muted)}#chart .grid{stroke:var(--line)}#chart .band{fill:var(--alt)}
#chart circle{stroke:#fff;stroke-width:1}
#chart .c-desired{fill:var(--desired)}#chart .c-would-delete{fill:var(--would-delete)}#chart .c-blocked{fill:var(--blocked)}#chart .c-held{fill:var(--held)}#chart .c-protected{fill:var(--protected)}#chart .c-out-of-scope{fill:var(--out-of-scope)}
#missing li,#warnings li{margin:2px 0}
`;

/** Kept marks by unit: greens from light (hourly) to dark (yearly), keep in teal, other rules olive. */
const KEPT_STYLE = `
:root{--k-hourly:#9ccc65;--k-daily:#43a047;--k-weekly:#2e7d32;--k-monthly:#1b5e20;--k-yearly:#0b3d0e;--k-keep:#00838f;--k-rule:#827717}
#kept-legend{list-style:none;display:flex;flex-wrap:wrap;gap:14px;padding:0;margin:0 0 8px;font-size:12px}#kept-legend .title{color:var(--muted)}#kept-legend .n{color:var(--muted)}
.swatch.k-hourly,#chart .k-hourly{background:var(--k-hourly);fill:var(--k-hourly)}.swatch.k-daily,#chart .k-daily{background:var(--k-daily);fill:var(--k-daily)}
.swatch.k-weekly,#chart .k-weekly{background:var(--k-weekly);fill:var(--k-weekly)}.swatch.k-monthly,#chart .k-monthly{background:var(--k-monthly);fill:var(--k-monthly)}
.swatch.k-yearly,#chart .k-yearly{background:var(--k-yearly);fill:var(--k-yearly)}.swatch.k-keep,#chart .k-keep{background:var(--k-keep);fill:var(--k-keep)}
.swatch.k-rule,#chart .k-rule{background:var(--k-rule);fill:var(--k-rule)}
`;
