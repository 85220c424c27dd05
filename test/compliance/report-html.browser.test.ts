/**
 * report.html in a real browser: Debian's headless Chromium driven by
 * playwright-core opens the written file over file:// and checks what a
 * person would see — summary counts, table rows, filtering, sorting, the
 * timeline's marks — plus no console errors, no network and a screenshot.
 * CI installs chromium; without it this test fails, it never skips.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ComplianceReport, SNAPSHOT_CLASSES } from "../../src/compliance/compliance.js";
import { writeReports } from "../../src/compliance/write-reports.js";
import { desired } from "../helpers/fleet.js";
import { reportFor, showcaseFleet } from "./report-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser: Browser;
let page: Page;
let report: ComplianceReport;
let dir: string;
let pageUrl: string;
const consoleErrors: string[] = [];
const requests: string[] = [];

const MISSING_CHROMIUM = `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the report browser test`;

// Without chromium every test fails with the reason (a failing beforeAll would list them as skipped).
beforeEach(() => {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
});

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  report = showcaseFleet().report;
  dir = await mkdtemp(path.join(tmpdir(), "snapgate-html-"));
  const [file] = await writeReports(dir, report, ["html"]);
  pageUrl = pathToFileURL(file!).href;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(String(err)));
  page.on("request", (r) => {
    if (r.url() !== pageUrl) requests.push(r.url());
  });
  await page.goto(pageUrl, { waitUntil: "load" });
});

afterAll(async () => {
  await browser?.close();
});

const rowClasses = () =>
  page.$$eval("#snapshots tbody tr[data-class]", (rows) =>
    rows.map((r) => r.getAttribute("data-class")),
  );
const rowKeys = () =>
  page.$$eval("#snapshots tbody tr", (rows) => rows.map((r) => r.getAttribute("data-key")!));
const countBy = (xs: readonly (string | null)[], value: string) =>
  xs.filter((x) => x === value).length;

describe("report.html in Chromium", () => {
  it("shows the report's summary counts", async () => {
    expect(report.summary.classes["would-delete"]).toBeGreaterThan(10);
    for (const cls of SNAPSHOT_CLASSES) {
      const text = await page.textContent(`#summary [data-count="${cls}"]`);
      expect([cls, Number(text)]).toEqual([cls, report.summary.classes[cls]]);
    }
    expect(Number(await page.textContent('#summary [data-count="missing"]'))).toBe(
      report.missing.length,
    );
    expect(Number(await page.textContent('#summary [data-count="live"]'))).toBe(
      report.snapshots.length,
    );
    expect(await page.getAttribute("#verdict", "data-compliant")).toBe("false");
  });

  it("has one table row per snapshot, with the right classes", async () => {
    const classes = await rowClasses();
    expect(classes).toHaveLength(report.snapshots.length);
    for (const cls of SNAPSHOT_CLASSES)
      expect([cls, countBy(classes, cls)]).toEqual([cls, report.summary.classes[cls]]);
    expect(await page.textContent("#row-count")).toBe(
      `${report.snapshots.length} of ${report.snapshots.length} snapshots`,
    );
  });

  it("filters by class and by text", async () => {
    for (const cls of SNAPSHOT_CLASSES) {
      await page.selectOption("#filter-class", cls);
      const classes = await rowClasses();
      expect([cls, classes.length]).toEqual([cls, report.summary.classes[cls]]);
      expect(classes.every((c) => c === cls)).toBe(true);
    }
    await page.selectOption("#filter-class", "");
    await page.fill("#filter-text", "APP-DATA-DAY");
    expect(await rowKeys()).toHaveLength(20);
    await page.selectOption("#filter-class", "desired");
    // retain newest: 5 keeps days 00..04 of the series
    expect(await rowKeys()).toEqual([0, 1, 2, 3, 4].map((i) => `us-east-1/app-data-day-0${i}`));
    await page.fill("#filter-text", "env=prod");
    await page.selectOption("#filter-class", "");
    expect((await rowKeys()).sort()).toEqual(["us-east-1/web-held-prod", "us-east-1/web-prod"]);
    await page.fill("#filter-text", "");
    expect(await rowKeys()).toHaveLength(report.snapshots.length);
  });

  it("sorts when a header is clicked, and reverses on a second click", async () => {
    const byRegionName = report.snapshots.map((s) => `${s.region}/${s.name}`);
    expect(await rowKeys()).toEqual(byRegionName);

    await page.click('#snapshots th[data-sort="name"]');
    const names = report.snapshots.map((s) => s.name);
    const ascending = [...names].sort();
    expect((await rowKeys()).map((k) => k.split("/")[1])).toEqual(ascending);
    expect(await page.getAttribute('#snapshots th[data-sort="name"]', "aria-sort")).toBe(
      "ascending",
    );

    await page.click('#snapshots th[data-sort="name"]');
    expect((await rowKeys()).map((k) => k.split("/")[1])).toEqual([...ascending].reverse());
    expect(await page.getAttribute('#snapshots th[data-sort="name"]', "aria-sort")).toBe(
      "descending",
    );

    await page.click('#snapshots th[data-sort="sizeInGb"]');
    const sizes = await page.$$eval("#snapshots tbody tr td:nth-child(6)", (cells) =>
      cells.map((c) => Number(c.textContent)),
    );
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(sizes[sizes.length - 1]).toBe(200);
  });

  it("draws one timeline mark per snapshot, colored by class, with one row per disk", async () => {
    const marks = await page.$$eval("#chart [data-chart-mark][data-class]", (els) =>
      els.map((e) => e.getAttribute("data-class")),
    );
    expect(marks).toHaveLength(report.snapshots.length);
    for (const cls of SNAPSHOT_CLASSES)
      expect([cls, countBy(marks, cls)]).toEqual([cls, report.summary.classes[cls]]);
    expect(await page.$$eval("#chart [data-chart-row]", (els) => els.length)).toBe(
      report.summary.byDisk.length,
    );
    const fills = await page.$$eval("#chart [data-chart-mark]", (els) =>
      Object.fromEntries(els.map((e) => [e.getAttribute("data-class"), getComputedStyle(e).fill])),
    );
    expect(new Set(Object.values(fills)).size).toBe(SNAPSHOT_CLASSES.length);
    expect(await page.$$eval("#legend [data-legend]", (els) => els.length)).toBe(
      SNAPSHOT_CLASSES.length,
    );
    // An instance's snapshots have a row of their own, named by the instance.
    expect(
      await page.$$eval('#chart [data-chart-row="us-east-1/instance app-1"]', (els) => els.length),
    ).toBe(1);
    // Older snapshots sit further left on the same disk's row.
    const cx = (key: string) => page.getAttribute(`#chart [data-key="${key}"]`, "cx").then(Number);
    expect(await cx("us-east-1/app-data-day-19")).toBeLessThan(
      await cx("us-east-1/app-data-day-00"),
    );
  });

  it("colours kept marks by the unit that keeps them, with a legend and every reason in the title", async () => {
    const kept = report.snapshots.filter((s) => s.class === "desired");
    const marks = await page.$$eval("#chart [data-chart-mark][data-kept-by]", (els) =>
      els.map((e) => ({
        key: e.getAttribute("data-key")!,
        unit: e.getAttribute("data-kept-by")!,
        fill: getComputedStyle(e).fill,
        title: e.querySelector("title")?.textContent ?? "",
      })),
    );
    expect(marks.map((m) => [m.key, m.unit]).sort()).toEqual(
      kept.map((s) => [`${s.region}/${s.name}`, s.keptBy]).sort(),
    );
    const units = [...new Set(marks.map((m) => m.unit))].sort();
    expect(units).toEqual(["daily", "keep", "monthly", "rule", "weekly", "yearly"]);
    // one colour per unit, none of them another class's colour
    const fillOf = Object.fromEntries(marks.map((m) => [m.unit, m.fill]));
    for (const m of marks) expect([m.unit, m.fill]).toEqual([m.unit, fillOf[m.unit]]);
    expect(new Set(Object.values(fillOf)).size).toBe(units.length);
    const otherFills = await page.$$eval("#chart [data-chart-mark]:not([data-kept-by])", (els) =>
      els.map((e) => getComputedStyle(e).fill),
    );
    for (const f of Object.values(fillOf)) expect(otherFills).not.toContain(f);
    expect(
      await page.$$eval("#kept-legend [data-legend-kept]", (els) =>
        els.map((e) => e.getAttribute("data-legend-kept")).sort(),
      ),
    ).toEqual(units);
    const newest = marks.find((m) => m.key === "us-east-1/cal-data-00");
    expect(newest?.title).toContain(
      "kept by daily 2026-11-26, weekly 2026-W48, monthly 2026-11, yearly 2026",
    );
    // the table lists the same reasons
    const row = await page.textContent('#snapshots tr[data-key="us-east-1/cal-data-00"]');
    expect(row).toContain("retain: weekly 2026-W48");
  });

  it("shows hostile report text as text, never as markup", async () => {
    expect(await page.$("#injected")).toBeNull();
    const row = await page.textContent('#snapshots tr[data-key="us-east-1/web-hostile"]');
    expect(row).toContain("note=</script><b id=injected>x</b><!-- &");
  });

  it("made no network request and logged no error", () => {
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it("produces a screenshot", async () => {
    const file = path.join(dir, "report.png");
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file, fullPage: true });
    const png = await readFile(file);
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect((await stat(file)).size).toBeGreaterThan(20_000);
  });

  it("shows the summary without JavaScript", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const plain = await context.newPage();
      await plain.goto(pageUrl);
      expect(Number(await plain.textContent('#summary [data-count="would-delete"]'))).toBe(
        report.summary.classes["would-delete"],
      );
      expect(Number(await plain.textContent('#summary [data-count="blocked"]'))).toBe(
        report.summary.classes.blocked,
      );
      expect(await plain.$$eval("#snapshots tbody tr", (rows) => rows.length)).toBe(0);
    } finally {
      await context.close();
    }
  });

  it("renders an empty, compliant fleet without errors", async () => {
    const empty = reportFor(desired({}, []), []).report;
    const emptyDir = await mkdtemp(path.join(tmpdir(), "snapgate-html-empty-"));
    const [file] = await writeReports(emptyDir, empty, ["html"]);
    const errors: string[] = [];
    const other = await browser.newPage();
    other.on("pageerror", (err) => errors.push(String(err)));
    other.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await other.goto(pathToFileURL(file!).href);
    expect(await other.getAttribute("#verdict", "data-compliant")).toBe("true");
    expect(await other.textContent("#row-count")).toBe("0 of 0 snapshots");
    expect(await other.textContent("#chart")).toBe("No live snapshots.");
    expect(errors).toEqual([]);
    await other.close();
  });
});
