/**
 * The inline script of report.html, kept as plain ES2015 text: it reads the
 * report from #report-data, then draws the sortable/filterable snapshot table
 * and the per-disk SVG timeline. It builds DOM nodes with textContent only
 * (never innerHTML), so no value from the report can become markup.
 */
export const REPORT_CLIENT_SCRIPT = String.raw`
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var CLASSES = ["desired", "would-delete", "blocked", "held", "protected", "out-of-scope"];
  var LABELS = { "desired": "desired", "would-delete": "would delete", "blocked": "blocked", "held": "held", "protected": "protected", "out-of-scope": "out of scope" };
  var data = JSON.parse(document.getElementById("report-data").textContent);
  // a snapshot's source: its disk, else the instance whose system disk it copies
  function sourceOf(s) {
    return s.fromDisk !== null ? s.fromDisk : s.fromInstance ? "instance " + s.fromInstance : "(no disk)";
  }
  var snapshots = data.snapshots;
  var searchText = snapshots.map(function (s) {
    var parts = [s.region, s.name, sourceOf(s), s.state, s.class, s.arn];
    Object.keys(s.tags).forEach(function (k) { parts.push(k + "=" + s.tags[k]); });
    s.reasons.forEach(function (r) { parts.push(r.kind + ": " + r.message); });
    s.warnings.forEach(function (w) { parts.push(w); });
    return parts.join("\n").toLowerCase();
  });
  var view = { key: "region", dir: 1, text: "", cls: "" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function cmpText(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  function byKey(key, dir) {
    return function (ia, ib) {
      var a = snapshots[ia], b = snapshots[ib];
      var c = key === "sizeInGb" ? a.sizeInGb - b.sizeInGb
        : key === "class" ? CLASSES.indexOf(a.class) - CLASSES.indexOf(b.class)
        : cmpText(String(a[key] === null ? "" : a[key]), String(b[key] === null ? "" : b[key]));
      return c * dir || cmpText(a.region, b.region) || cmpText(a.name, b.name);
    };
  }
  function shortTime(iso) { return iso.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, "Z"); }

  function row(s) {
    var tr = el("tr", { "data-class": s.class, "data-key": s.region + "/" + s.name });
    var badgeCell = el("td");
    badgeCell.appendChild(el("span", { "class": "badge c-" + s.class }, LABELS[s.class]));
    tr.appendChild(badgeCell);
    tr.appendChild(el("td", null, s.region));
    var nameCell = el("td");
    nameCell.appendChild(el("code", null, s.name));
    var tagText = Object.keys(s.tags).map(function (k) { return k + "=" + s.tags[k]; }).join(", ");
    if (tagText) nameCell.appendChild(el("div", { "class": "tags" }, tagText));
    tr.appendChild(nameCell);
    tr.appendChild(el("td", null, s.fromDisk === null && !s.fromInstance ? "\u2014" : sourceOf(s)));
    tr.appendChild(el("td", { title: s.createdAt }, shortTime(s.createdAt)));
    tr.appendChild(el("td", null, String(s.sizeInGb)));
    tr.appendChild(el("td", null, s.state));
    var reasonCell = el("td");
    var list = el("ul", { "class": "reasons" });
    s.reasons.forEach(function (r) { list.appendChild(el("li", null, r.kind + ": " + r.message)); });
    s.warnings.forEach(function (w) { list.appendChild(el("li", { "class": "warn" }, "warning: " + w)); });
    reasonCell.appendChild(list);
    tr.appendChild(reasonCell);
    return tr;
  }

  var tbody = document.querySelector("#snapshots tbody");
  var headers = Array.prototype.slice.call(document.querySelectorAll("#snapshots th[data-sort]"));
  function renderTable() {
    var needle = view.text.trim().toLowerCase();
    var shown = [];
    for (var i = 0; i < snapshots.length; i++) {
      if (view.cls && snapshots[i].class !== view.cls) continue;
      if (needle && searchText[i].indexOf(needle) < 0) continue;
      shown.push(i);
    }
    shown.sort(byKey(view.key, view.dir));
    var frag = document.createDocumentFragment();
    shown.forEach(function (i) { frag.appendChild(row(snapshots[i])); });
    tbody.replaceChildren(frag);
    document.getElementById("row-count").textContent = shown.length + " of " + snapshots.length + " snapshots";
    headers.forEach(function (th) {
      th.setAttribute("aria-sort", th.getAttribute("data-sort") !== view.key ? "none" : view.dir > 0 ? "ascending" : "descending");
    });
  }
  headers.forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      view.dir = view.key === key ? -view.dir : 1;
      view.key = key;
      renderTable();
    });
  });
  document.getElementById("filter-text").addEventListener("input", function (ev) { view.text = ev.target.value; renderTable(); });
  document.getElementById("filter-class").addEventListener("change", function (ev) { view.cls = ev.target.value; renderTable(); });

  function drawChart() {
    var host = document.getElementById("chart");
    host.replaceChildren();
    if (snapshots.length === 0) { host.appendChild(el("p", { "class": "empty" }, "No live snapshots.")); return; }
    var rowKeys = [];
    var rowOf = {};
    data.summary.byDisk.forEach(function (d) {
      var k = d.region + "/" + sourceOf({ fromDisk: d.disk, fromInstance: d.instance });
      rowOf[k] = rowKeys.length;
      rowKeys.push(k);
    });
    var times = snapshots.map(function (s) { return Date.parse(s.createdAt); });
    var min = Infinity, max = -Infinity;
    times.forEach(function (t) { if (t < min) min = t; if (t > max) max = t; });
    if (!(max > min)) { min -= 86400000; max += 86400000; }
    var span = max - min; min -= span * 0.02; max += span * 0.02;
    var W = 1000, labelW = 260, right = 24, top = 30, rowH = 22;
    var H = top + rowKeys.length * rowH + 10;
    var x = function (t) { return labelW + (t - min) / (max - min) * (W - labelW - right); };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
      "aria-label": "Timeline of " + snapshots.length + " snapshots over " + rowKeys.length + " disks" });
    rowKeys.forEach(function (k, i) {
      if (i % 2 === 1) root.appendChild(svg("rect", { "class": "band", x: 0, y: top + i * rowH, width: W, height: rowH }));
      root.appendChild(svg("text", { "class": "row-label", x: labelW - 10, y: top + i * rowH + rowH / 2 + 4, "text-anchor": "end", "data-chart-row": k }, k));
    });
    for (var t = 0; t <= 5; t++) {
      var tx = labelW + t / 5 * (W - labelW - right);
      var when = new Date(min + t / 5 * (max - min)).toISOString().slice(0, 10);
      root.appendChild(svg("line", { "class": "grid", x1: tx, x2: tx, y1: top - 6, y2: H - 10 }));
      var anchor = t === 0 ? "start" : t === 5 ? "end" : "middle";
      root.appendChild(svg("text", { "class": "tick", x: tx, y: top - 12, "text-anchor": anchor }, when));
    }
    // Least actionable first, so drift and violations are drawn on top.
    var order = snapshots.map(function (_, i) { return i; }).sort(function (a, b) {
      return CLASSES.indexOf(snapshots[b].class) - CLASSES.indexOf(snapshots[a].class) || a - b;
    });
    order.forEach(function (i) {
      var s = snapshots[i];
      var k = s.region + "/" + sourceOf(s);
      var mark = svg("circle", { "class": "c-" + s.class, "data-chart-mark": "", "data-class": s.class,
        "data-key": s.region + "/" + s.name, cx: x(times[i]).toFixed(1), cy: top + rowOf[k] * rowH + rowH / 2, r: 5.5 });
      mark.appendChild(svg("title", {}, s.name + " \u2014 " + LABELS[s.class] + " \u2014 " + s.createdAt + keptTitle(s)));
      markKept(mark, s);
      root.appendChild(mark);
    });
    host.appendChild(root);
  }

  // A kept mark is coloured by the unit that keeps it (keptBy), its title lists every reason.
  function markKept(mark, s) {
    if (!s.keptBy) return;
    mark.setAttribute("class", "c-" + s.class + " k-" + s.keptBy);
    mark.setAttribute("data-kept-by", s.keptBy);
  }
  function keptTitle(s) {
    return s.keepReasons && s.keepReasons.length ? " \u2014 kept by " + s.keepReasons.join(", ") : "";
  }

  renderTable();
  drawChart();
})();
`;
