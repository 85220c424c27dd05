/**
 * report.html's freshness sections, rendered on the server (they read without
 * JavaScript): status cards, the covered-source table, a per-source SVG
 * timeline with the freshness window (now − maxAge … now, and the warn band)
 * and every gap larger than maxAge between completed snapshots, then the
 * orphaned sources and the snapshots deleted outside snapgate.
 *
 * Test hooks: `#freshness [data-freshness-count="<status|orphaned|deleted-outside>"]`,
 * `#freshness-sources tr[data-source][data-status]`, `#freshness-chart g[data-source]`
 * with `[data-window]`, `[data-warn-window]`, `[data-gap]` and
 * `[data-freshness-mark][data-state]`, `#orphaned li[data-orphaned]`,
 * `#deleted-outside li[data-deleted-outside]`.
 */
import type { ComplianceReport, ReportSnapshot } from "./compliance.js";
import { formatSeconds } from "./findings.js";
import type { SourceFreshness } from "./freshness.js";

const e = (text: string): string => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const DAY_S = 86_400;

export function freshnessHtml(report: ComplianceReport): string {
  const f = report.freshness;
  const parts: string[] = [];
  if (f !== null) {
    const c = f.counts;
    const card = (key: string, label: string, count: number) =>
      `<div class="card fr-${e(key)}"><span class="label">${e(label)}</span><span class="count" data-freshness-count="${e(key)}">${count}</span></div>`;
    const window = f.window
      ? `<p>Every covered disk and instance needs a completed in-scope snapshot newer than <code>maxAge ${e(f.window.maxAge)}</code>${f.window.warnAge ? ` (warn after <code>${e(f.window.warnAge)}</code>)` : ""}.</p>`
      : "<p>Freshness is declared per SnapshotSet.</p>";
    parts.push(
      `<section id="freshness"><h2>Freshness (${f.sources.length} covered sources)</h2>${window}<div class="cards">`,
      card("stale", "stale (older than maxAge)", c.stale),
      card("none", "none (no completed snapshot)", c.none),
      card("warn", "warn (older than warnAge)", c.warn),
      card("ok", "ok", c.ok),
      card("orphaned", "orphaned sources", c.orphaned),
      card("deleted-outside", "deleted outside snapgate", report.deletedOutside.length),
      card("errors", "snapshots in error state", c.errors),
      "</div>",
      sourceTable(f.sources),
      timeline(report, f.sources),
      "</section>",
    );
    if (f.orphaned.length > 0) {
      const items = f.orphaned.map(
        (o) =>
          `<li data-orphaned="${e(`${o.region}/${o.kind}/${o.source}`)}"><code>${e(o.region)}</code> ${e(o.kind)} <code>${e(o.source)}</code>: ${o.snapshots} in-scope snapshot(s)${o.newest ? `, newest <code>${e(o.newest.name)}</code> (${e(o.newest.createdAt)})` : ""}</li>`,
      );
      parts.push(
        `<section id="orphaned"><h2>Orphaned sources (${f.orphaned.length})</h2><p>In-scope snapshots whose disk or instance no longer exists. The guards keep their last copies.</p><ul>${items.join("")}</ul></section>`,
      );
    }
  }
  if (report.deletedOutside.length > 0) {
    const items = report.deletedOutside.map(
      (d) =>
        `<li data-deleted-outside="${e(`${d.region}/${d.name}`)}"><code>${e(d.region)}</code> <code>${e(d.name)}</code>: last seen <time datetime="${e(d.lastSeen)}">${e(d.lastSeen)}</time> by ${e(d.lastSeenBy)}; no delete-result in the audit log <small class="digest">${e(d.arn)}</small></li>`,
    );
    parts.push(
      `<section id="deleted-outside"><h2>Deleted outside snapgate (${report.deletedOutside.length})</h2><p>Seen in scope by an earlier audit or plan, now gone, and not deleted by snapgate's apply.</p><ul>${items.join("")}</ul></section>`,
    );
  }
  return parts.join("\n");
}

function sourceTable(sources: readonly SourceFreshness[]): string {
  if (sources.length === 0) return "<p>No live source is covered.</p>";
  const rows = sources.map((s) => {
    const key = `${s.region}/${s.kind}/${s.source}`;
    const newest = s.newest
      ? `<code>${e(s.newest.name)}</code> <small>${e(s.newest.createdAt)}</small>`
      : "—";
    const age = s.newest ? e(formatSeconds(s.newest.ageSeconds)) : "—";
    const errors = s.errors.map((x) => `<code>${e(x.name)}</code>`).join(" ") || "—";
    return `<tr data-source="${e(key)}" data-status="${s.status}"><td><span class="fbadge fr-${s.status}">${s.status}</span></td><td>${e(s.region)}</td><td>${e(s.kind)} <code>${e(s.source)}</code></td><td>${newest}</td><td>${age}</td><td>${e(s.window.maxAge)}${s.window.warnAge ? ` / ${e(s.window.warnAge)}` : ""}</td><td>${errors}</td><td>${s.gaps.length}</td></tr>`;
  });
  return `<table id="freshness-sources"><thead><tr><th>status</th><th>region</th><th>source</th><th>newest completed</th><th>age</th><th>maxAge / warnAge</th><th>error state</th><th>gaps</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The snapshots of one source as the report lists them (in scope only). */
function snapshotsOf(report: ComplianceReport, s: SourceFreshness): ReportSnapshot[] {
  return report.snapshots.filter(
    (x) =>
      x.region === s.region &&
      x.class !== "out-of-scope" &&
      (s.kind === "disk"
        ? x.fromDisk === s.source
        : x.fromDisk === null && x.fromInstance === s.source),
  );
}

function timeline(report: ComplianceReport, sources: readonly SourceFreshness[]): string {
  if (sources.length === 0) return "";
  const nowMs = Date.parse(report.generatedAt);
  const widest = Math.max(...sources.map((s) => s.window.maxAgeSeconds));
  // Enough history to see a few windows and the gaps before them; at least a week.
  const spanMs = Math.max(7 * DAY_S, 4 * widest) * 1000;
  const min = nowMs - spanMs;
  const max = nowMs + spanMs * 0.02;
  const W = 1000;
  const labelW = 260;
  const right = 16;
  const top = 28;
  const rowH = 24;
  const H = top + sources.length * rowH + 8;
  const x = (ms: number) =>
    (
      labelW +
      ((Math.min(Math.max(ms, min), max) - min) / (max - min)) * (W - labelW - right)
    ).toFixed(1);
  const out: string[] = [
    `<h3>Snapshots per covered source, with the freshness window</h3>`,
    `<div class="fr-chart-wrap"><svg id="freshness-chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Freshness timeline of ${sources.length} covered sources">`,
  ];
  for (let t = 0; t <= 4; t++) {
    const ms = min + (t / 4) * (nowMs - min);
    const tx = x(ms);
    out.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${top - 6}" y2="${H - 6}"/>`,
      `<text class="tick" x="${tx}" y="${top - 12}" text-anchor="${t === 0 ? "start" : t === 4 ? "end" : "middle"}">${e(new Date(ms).toISOString().slice(0, 13).replace("T", " "))}h</text>`,
    );
  }
  sources.forEach((s, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2;
    const key = `${s.region}/${s.kind}/${s.source}`;
    out.push(`<g data-source="${e(key)}" data-status="${s.status}">`);
    if (i % 2 === 1) out.push(`<rect class="band" x="0" y="${y}" width="${W}" height="${rowH}"/>`);
    out.push(
      `<text class="row-label" x="${labelW - 10}" y="${mid + 4}" text-anchor="end">${e(key)}</text>`,
    );
    const windowStart = nowMs - s.window.maxAgeSeconds * 1000;
    out.push(
      `<rect data-window="${e(s.window.maxAge)}" class="fr-window" x="${x(windowStart)}" y="${y + 3}" width="${(Number(x(nowMs)) - Number(x(windowStart))).toFixed(1)}" height="${rowH - 6}"><title>freshness window: ${e(s.window.maxAge)} before ${e(report.generatedAt)}</title></rect>`,
    );
    if (s.window.warnAgeSeconds !== null) {
      const warnStart = nowMs - s.window.warnAgeSeconds * 1000;
      out.push(
        `<rect data-warn-window="${e(s.window.warnAge ?? "")}" class="fr-warn-window" x="${x(windowStart)}" y="${y + 3}" width="${(Number(x(warnStart)) - Number(x(windowStart))).toFixed(1)}" height="${rowH - 6}"/>`,
      );
    }
    for (const g of s.gaps) {
      const a = Date.parse(g.from);
      const b = Date.parse(g.to);
      if (b < min) continue;
      out.push(
        `<rect data-gap="${g.seconds}" class="fr-gap" x="${x(a)}" y="${mid - 2}" width="${(Number(x(b)) - Number(x(a))).toFixed(1)}" height="4"><title>gap of ${e(formatSeconds(g.seconds))}: ${e(g.from)} → ${e(g.to)}</title></rect>`,
      );
    }
    for (const snap of snapshotsOf(report, s)) {
      const at = Date.parse(snap.createdAt);
      if (at < min) continue;
      out.push(
        `<circle data-freshness-mark="${e(snap.name)}" data-state="${e(snap.state)}" class="fr-mark fr-state-${snap.state === "completed" || snap.state === "error" ? snap.state : "other"}" cx="${x(at)}" cy="${mid}" r="5"><title>${e(snap.name)} — ${e(snap.state)} — ${e(snap.createdAt)}</title></circle>`,
      );
    }
    out.push("</g>");
  });
  const nowX = x(nowMs);
  out.push(
    `<line class="fr-now" x1="${nowX}" x2="${nowX}" y1="${top - 6}" y2="${H - 6}"/>`,
    "</svg></div>",
    `<p class="fr-legend"><span class="swatch fr-window"></span>freshness window (maxAge) <span class="swatch fr-warn-window"></span>warn band <span class="swatch fr-gap"></span>gap longer than maxAge <span class="swatch fr-state-completed"></span>completed <span class="swatch fr-state-error"></span>error</p>`,
  );
  return out.join("");
}

export const FRESHNESS_STYLE = `
.card.fr-stale,.card.fr-none,.card.fr-deleted-outside{border-left-color:#c62828}.card.fr-warn{border-left-color:#ef6c00}.card.fr-ok{border-left-color:#2e7d32}.card.fr-orphaned{border-left-color:#6a1b9a}.card.fr-errors{border-left-color:#8d5c00}
.fbadge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}.fbadge.fr-stale,.fbadge.fr-none{background:#c62828}.fbadge.fr-warn{background:#ef6c00}.fbadge.fr-ok{background:#2e7d32}
.fr-chart-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px}#freshness-chart{display:block;min-width:720px}
#freshness-chart .row-label{font-size:12px;fill:var(--fg)}#freshness-chart .tick{font-size:11px;fill:var(--muted)}#freshness-chart .grid{stroke:var(--line)}#freshness-chart .band{fill:var(--alt)}
.fr-window{fill:#c8e6c9}.fr-warn-window{fill:#ffe0b2}.fr-gap{fill:#c62828}.fr-now{stroke:#1d232a;stroke-dasharray:3 3}
.fr-mark{stroke:#fff;stroke-width:1}.fr-state-completed{fill:#2e7d32;background:#2e7d32}.fr-state-error{fill:#c62828;background:#c62828}.fr-state-other{fill:#9e9e9e}
.fr-legend .swatch{border-radius:2px}.swatch.fr-window{background:#c8e6c9}.swatch.fr-warn-window{background:#ffe0b2}.swatch.fr-gap{background:#c62828}
#orphaned li,#deleted-outside li{margin:2px 0}
`;
