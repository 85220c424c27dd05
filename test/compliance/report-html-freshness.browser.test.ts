/**
 * report.html's freshness sections in Debian's headless Chromium: the status
 * cards, one table row per covered source, and the per-source timeline whose
 * freshness window ends at "now" and spans maxAge, whose gaps sit between the
 * snapshots that bound them, plus the orphaned and deleted-outside lists —
 * also with JavaScript off. Without chromium this test fails, it never skips.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/compliance/compliance.js";
import { writeReports } from "../../src/compliance/write-reports.js";
import { freshnessFleet } from "./freshness-fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
];

let browser: Browser;
let page: Page;
let report: ComplianceReport;
let pageUrl: string;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeEach(() => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
});

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  report = freshnessFleet().report;
  const dir = await mkdtemp(path.join(tmpdir(), "snapgate-html-fresh-"));
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

const box = async (selector: string) => {
  const b = await page.locator(selector).boundingBox();
  if (!b) throw new Error(`${selector} is not visible`);
  return b;
};

describe("report.html freshness in Chromium", () => {
  it("shows the status cards and one row per covered source with its status", async () => {
    const f = report.freshness!;
    for (const key of ["stale", "none", "warn", "ok", "orphaned"] as const)
      expect([
        key,
        Number(await page.textContent(`#freshness [data-freshness-count="${key}"]`)),
      ]).toEqual([key, f.counts[key]]);
    expect(
      Number(await page.textContent('#freshness [data-freshness-count="deleted-outside"]')),
    ).toBe(1);
    const rows = await page.$$eval("#freshness-sources tr[data-source]", (trs) =>
      trs.map((tr) => [tr.getAttribute("data-source"), tr.getAttribute("data-status")]),
    );
    expect(rows).toEqual(f.sources.map((s) => [`${s.region}/${s.kind}/${s.source}`, s.status]));
  });

  it("draws each source's freshness window ending at now and spanning its maxAge", async () => {
    const web = await box(
      '#freshness-chart g[data-source="us-east-1/disk/web-data"] [data-window]',
    );
    const hourly = await box(
      '#freshness-chart g[data-source="us-east-1/disk/hourly-data"] [data-window]',
    );
    const now = await box("#freshness-chart .fr-now");
    // both windows end at the "now" line; the 26h window is 13 times the 2h one
    expect(Math.abs(web.x + web.width - now.x)).toBeLessThan(2);
    expect(Math.abs(hourly.x + hourly.width - now.x)).toBeLessThan(2);
    expect(web.width / hourly.width).toBeCloseTo(13, 0);
    // the warn band is the older hour of the 26h window
    const warn = await box(
      '#freshness-chart g[data-source="us-east-1/disk/web-data"] [data-warn-window]',
    );
    expect(Math.abs(warn.x - web.x)).toBeLessThan(1);
    expect(web.width / warn.width).toBeCloseTo(26, 0);
  });

  it("draws gaps longer than maxAge between the snapshots that bound them", async () => {
    const g = '#freshness-chart g[data-source="us-east-1/disk/web-data"]';
    expect(await page.$$eval(`${g} [data-gap]`, (els) => els.length)).toBe(1);
    const gap = await box(`${g} [data-gap]`);
    const older = await box(`${g} [data-freshness-mark="web-3"]`);
    const newer = await box(`${g} [data-freshness-mark="web-2"]`);
    expect(Math.abs(gap.x - (older.x + older.width / 2))).toBeLessThan(2);
    expect(Math.abs(gap.x + gap.width - (newer.x + newer.width / 2))).toBeLessThan(2);
    // error snapshots are marked in their own colour
    const colours = await page.$$eval(
      '#freshness-chart g[data-source="us-east-1/disk/db-data"] [data-freshness-mark]',
      (els) =>
        Object.fromEntries(
          els.map((e) => [e.getAttribute("data-state"), getComputedStyle(e).fill]),
        ),
    );
    expect(colours.error).not.toBe(colours.completed);
    // a source with no snapshot has a row and a window, but no mark
    expect(
      await page.$$eval(
        '#freshness-chart g[data-source="us-east-1/disk/cache-data"] [data-freshness-mark]',
        (els) => els.length,
      ),
    ).toBe(0);
  });

  it("lists orphaned sources and snapshots deleted outside snapgate", async () => {
    expect(
      await page.$$eval("#orphaned li[data-orphaned]", (els) =>
        els.map((e) => e.getAttribute("data-orphaned")),
      ),
    ).toEqual(["us-east-1/disk/old-box", "us-east-1/instance/gone-box"]);
    expect(
      await page.$$eval("#deleted-outside li[data-deleted-outside]", (els) =>
        els.map((e) => e.getAttribute("data-deleted-outside")),
      ),
    ).toEqual(["us-east-1/web-0"]);
    expect(await page.textContent("#deleted-outside")).toContain("last seen");
  });

  it("reads the same without JavaScript", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const plain = await context.newPage();
      await plain.goto(pageUrl);
      expect(await plain.$$eval("#freshness-sources tr[data-source]", (els) => els.length)).toBe(6);
      expect(await plain.$$eval("#freshness-chart [data-window]", (els) => els.length)).toBe(6);
    } finally {
      await context.close();
    }
  });

  it("made no network request and logged no error", () => {
    expect(requests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
