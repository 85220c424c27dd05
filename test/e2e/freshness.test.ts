/**
 * Freshness, coverage and deletions outside snapgate, end to end: the built
 * CLI's `audit` against the emulator, with the AWS CLI (/usr/bin/aws) as the
 * "someone else" who deletes a snapshot between two audits and later takes
 * the missing backups. All four report formats must name exactly the
 * findings: one stale disk (newest snapshot 30 h old, maxAge 26h), one disk
 * without any snapshot, one orphaned source and one snapshot deleted outside.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ComplianceReport } from "../../src/compliance/compliance.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { childrenNamed, parseXml, type XmlElement } from "../compliance/xml-check.js";
import { runCli } from "../helpers/cli.js";
import { makeRepo, type TestRepo, tempDir } from "../helpers/git-repo.js";

const AWS = "/usr/bin/aws";
const MANAGED = { "managed-by": "snapgate" };
const REQUIRED = { backup: "required" };

const RECONCILER = `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: freshness }
spec:
  account: "111122223333"
  regions: [us-east-1]
  scope:
    matchTags: { managed-by: snapgate }
  policy:
    bundle: builtin
    data: { minAgeDays: 0 }
  freshness:
    maxAge: 26h
    warnAge: 25h
    sources:
      disks: { matchTags: { backup: required } }
      instances: { matchTags: { backup: required } }
`;

// Retain rules (and keep, for the snapshot in error state) keep every snapshot, so nothing
// is drift: the findings are freshness only.
const SETS = `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: all }
spec:
  region: us-east-1
  keep: [db-broken]
  retain:
    - { fromDisk: db-data, newest: 50 }
    - { fromDisk: web-data, newest: 50 }
    - { fromDisk: cache-data, newest: 50 }
    - { fromDisk: old-box, newest: 50 }
    - { fromInstance: app-1, newest: 50 }
`;

let emulator: RunningEmulator;
let repo: TestRepo;
let stateDir: string;
let cacheDir: string;

function env(): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    SNAPGATE_STATE_DIR: stateDir,
    XDG_CACHE_HOME: cacheDir,
  };
}

function aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      AWS,
      [
        "lightsail",
        ...args,
        "--region",
        "us-east-1",
        "--endpoint-url",
        emulator.url,
        "--output",
        "json",
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: "/nonexistent",
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_CONFIG_FILE: "/dev/null",
          AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
          AWS_PAGER: "",
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function audit(name: string) {
  const reportDir = path.join(stateDir, "..", name);
  const r = await runCli(["audit", "--repo", repo.dir, "--report-dir", reportDir], env());
  const read = (f: string) => readFile(path.join(reportDir, f), "utf8");
  return {
    ...r,
    json: JSON.parse(await read("report.json")) as ComplianceReport,
    junit: parseXml(await read("junit.xml")),
    md: await read("report.md"),
    html: await read("report.html"),
  };
}

function testcases(root: XmlElement): XmlElement[] {
  return childrenNamed(root, "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
}

/** `classname name → failure type | skipped | pass` for the testcases freshness adds. */
function freshnessCases(root: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of testcases(root)) {
    const cls = c.attrs.classname ?? "";
    if (!["freshness", "orphaned", "deleted-outside"].includes(cls)) continue;
    const failure = childrenNamed(c, "failure")[0];
    const skipped = childrenNamed(c, "skipped")[0];
    out[`${cls} ${c.attrs.name}`] = failure
      ? (failure.attrs.type ?? "?")
      : skipped
        ? "skipped"
        : "pass";
  }
  return out;
}

beforeAll(async () => {
  if (!existsSync(AWS)) throw new Error(`${AWS} not found: install Debian's awscli; .ci/run does`);
  emulator = await startEmulator({
    seed: {
      account: "111122223333",
      regions: {
        "us-east-1": {
          disks: [
            { name: "db-data", tags: REQUIRED },
            { name: "cache-data", tags: REQUIRED },
            { name: "web-data", tags: REQUIRED },
            // not covered: no backup tag, no snapshots, no finding
            { name: "scratch", tags: {} },
          ],
          instances: [{ name: "app-1", tags: REQUIRED }],
          snapshots: [
            { name: "db-old", fromDisk: "db-data", createdAt: "-30h", tags: MANAGED },
            {
              name: "db-broken",
              fromDisk: "db-data",
              createdAt: "-2h",
              state: "error",
              tags: MANAGED,
            },
            { name: "web-1", fromDisk: "web-data", createdAt: "-2h", tags: MANAGED },
            { name: "web-0", fromDisk: "web-data", createdAt: "-20h", tags: MANAGED },
            { name: "app-1-snap", fromInstance: "app-1", createdAt: "-3h", tags: MANAGED },
            { name: "old-box-1", fromDisk: "old-box", createdAt: "-10d", tags: MANAGED },
          ],
        },
      },
    },
  });
  repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/all.yaml": SETS });
  const root = tempDir("snapgate-freshness-");
  stateDir = path.join(root, "state");
  cacheDir = path.join(root, "cache");
});

afterAll(() => emulator?.close());

describe("audit: freshness, coverage and deletions outside snapgate", () => {
  it("first audit: the stale disk, the disk without snapshots and the orphaned source → exit 4", async () => {
    const a = await audit("first");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(4);
    expect(a.json.schemaVersion).toBe(2);
    expect(a.json.deletedOutside).toEqual([]);
    const byStatus = a.json.freshness?.sources.map((s) => [s.kind, s.source, s.status]);
    expect(byStatus).toEqual([
      ["disk", "cache-data", "none"],
      ["disk", "db-data", "stale"],
      ["disk", "web-data", "ok"],
      ["instance", "app-1", "ok"],
    ]);
  });

  it("a snapshot deleted with the AWS CLI is found by the next audit, in all four formats", async () => {
    const del = await aws(["delete-disk-snapshot", "--disk-snapshot-name", "web-0"]);
    expect(del.stderr).toBe("");
    expect(del.code).toBe(0);

    const a = await audit("second");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(4);
    expect(a.stdout).toContain("NOT COMPLIANT");
    // the console names each finding, failing ones first
    const findings = a.stdout.split("\n").filter((l) => /^ {2}(FAIL|note) /.test(l));
    expect(findings).toEqual([
      "  FAIL none: disk us-east-1/cache-data: no completed snapshot (maxAge 26h)",
      expect.stringMatching(
        /^ {2}FAIL stale: disk us-east-1\/db-data: newest completed snapshot db-old is 30h( \d+m)? old \(maxAge 26h\)$/,
      ),
      expect.stringMatching(
        /^ {2}FAIL deleted-outside: snapshot us-east-1\/web-0 was deleted outside snapgate \(last seen \S+ by audit\)$/,
      ),
      "  note orphaned: disk us-east-1/old-box no longer exists; 1 in-scope snapshot(s) remain",
    ]);
    expect(a.stdout).toContain(
      "  4 covered sources: 2 ok, 0 warn, 1 stale, 1 none; 1 orphaned, 1 snapshots in error state",
    );

    // report.json
    const f = a.json.freshness!;
    expect(f.window).toMatchObject({ maxAge: "26h", warnAge: "25h", declaredBy: "spec.freshness" });
    expect(f.counts).toEqual({ ok: 2, warn: 0, stale: 1, none: 1, orphaned: 1, errors: 1 });
    const db = f.sources.find((s) => s.source === "db-data")!;
    expect(db.status).toBe("stale");
    expect(db.newest?.name).toBe("db-old");
    expect(db.newest!.ageSeconds).toBeGreaterThanOrEqual(30 * 3600);
    expect(db.newest!.ageSeconds).toBeLessThan(31 * 3600);
    expect(db.errors.map((e) => e.name)).toEqual(["db-broken"]);
    expect(db.gaps.length).toBe(1);
    const cache = f.sources.find((s) => s.source === "cache-data")!;
    expect(cache).toMatchObject({ status: "none", newest: null, snapshots: 0 });
    expect(f.orphaned).toEqual([
      {
        region: "us-east-1",
        kind: "disk",
        source: "old-box",
        snapshots: 1,
        newest: { name: "old-box-1", createdAt: expect.any(String) },
      },
    ]);
    expect(a.json.deletedOutside).toEqual([
      {
        region: "us-east-1",
        name: "web-0",
        arn: expect.stringMatching(/^arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot\//),
        lastSeen: expect.any(String),
        lastSeenBy: "audit",
      },
    ]);

    // junit.xml: a testcase per covered source, one per orphaned source, one per deletion
    expect(freshnessCases(a.junit)).toEqual({
      "freshness us-east-1/disk/cache-data": "none",
      "freshness us-east-1/disk/db-data": "stale",
      "freshness us-east-1/disk/web-data": "pass",
      "freshness us-east-1/instance/app-1": "pass",
      "orphaned us-east-1/disk/old-box": "skipped",
      "deleted-outside us-east-1/web-0": "deleted-outside",
    });
    // every other testcase passes: the findings above are the only failures
    const failing = testcases(a.junit).filter((c) => childrenNamed(c, "failure").length > 0);
    expect(failing.map((c) => c.attrs.name).sort()).toEqual([
      "us-east-1/disk/cache-data",
      "us-east-1/disk/db-data",
      "us-east-1/web-0",
    ]);

    // report.md
    expect(a.md).toContain("#### Freshness (4 covered sources: 1 stale, 1 none, 0 warn, 2 ok)");
    expect(a.md).toMatch(/\| :x: \*\*stale\*\* \| us-east-1 \| disk `db-data` \| `db-old` \| 30h/);
    expect(a.md).toMatch(/\| :x: \*\*none\*\* \| us-east-1 \| disk `cache-data` \| — \|/);
    expect(a.md).toContain("#### Orphaned sources (1)");
    expect(a.md).toContain("- `us-east-1` disk `old-box`: 1 snapshot(s), newest `old-box-1`");
    expect(a.md).toContain("#### Deleted outside snapgate (1)");
    expect(a.md).toMatch(/\| us-east-1 \| `web-0` \| \d{4}-\d\d-\d\dT[^|]+ \| audit \|/);

    // report.html (server-rendered sections; the browser test checks how they draw)
    expect(a.html).toContain('data-freshness-count="stale">1<');
    expect(a.html).toContain('data-freshness-count="none">1<');
    expect(a.html).toContain('data-freshness-count="orphaned">1<');
    expect(a.html).toContain('data-freshness-count="deleted-outside">1<');
    expect(a.html).toContain('<tr data-source="us-east-1/disk/db-data" data-status="stale">');
    expect(a.html).toContain('<tr data-source="us-east-1/disk/cache-data" data-status="none">');
    expect(a.html).toContain('data-orphaned="us-east-1/disk/old-box"');
    expect(a.html).toContain('data-deleted-outside="us-east-1/web-0"');
    expect(a.html.match(/data-deleted-outside=/g)?.length).toBe(1);
    expect(a.html.match(/<tr data-source=/g)?.length).toBe(4);
  });

  it("the same fleet made healthy (backups taken with the AWS CLI) → exit 0; the deletion is not reported twice", async () => {
    for (const [snapshot, source] of [
      ["db-new", ["--disk-name", "db-data"]],
      ["cache-new", ["--disk-name", "cache-data"]],
    ] as const) {
      const r = await aws([
        "create-disk-snapshot",
        "--disk-snapshot-name",
        snapshot,
        ...source,
        "--tags",
        "key=managed-by,value=snapgate",
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    // the snapshots complete on the emulator's next tick; the audit reads them as completed
    await new Promise((r) => setTimeout(r, 50));

    const a = await audit("healthy");
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(": COMPLIANT");
    expect(a.json.compliant).toBe(true);
    expect(a.json.freshness?.sources.map((s) => [s.source, s.status])).toEqual([
      ["cache-data", "ok"],
      ["db-data", "ok"],
      ["web-data", "ok"],
      ["app-1", "ok"],
    ]);
    expect(a.json.deletedOutside).toEqual([]);
    // orphaned stays reported, and does not fail the run
    expect(a.json.freshness?.orphaned.map((o) => o.source)).toEqual(["old-box"]);
    expect(freshnessCases(a.junit)).toEqual({
      "freshness us-east-1/disk/cache-data": "pass",
      "freshness us-east-1/disk/db-data": "pass",
      "freshness us-east-1/disk/web-data": "pass",
      "freshness us-east-1/instance/app-1": "pass",
      "orphaned us-east-1/disk/old-box": "skipped",
    });
    expect(a.md).toContain("#### Freshness (4 covered sources: 0 stale, 0 none, 0 warn, 4 ok)");
    expect(a.md).not.toContain("Deleted outside snapgate");
    expect(a.html).not.toContain("data-deleted-outside=");
  });

  it("a snapshot snapgate's own apply deletes is explained by its delete-result, not reported", async () => {
    // A newer web-data backup, and a rule that keeps only the newest: apply deletes web-1.
    const r = await aws([
      "create-disk-snapshot",
      "--disk-snapshot-name",
      "web-2",
      "--disk-name",
      "web-data",
      "--tags",
      "key=managed-by,value=snapgate",
    ]);
    expect(r.code).toBe(0);
    await new Promise((res) => setTimeout(res, 50));
    repo.commit(
      {
        "snapshots/all.yaml": SETS.replace(
          "{ fromDisk: web-data, newest: 50 }",
          "{ fromDisk: web-data, newest: 1 }",
        ),
      },
      "keep only the newest web-data snapshot",
    );
    const planFile = path.join(stateDir, "..", "plan.json");
    const p = await runCli(
      ["plan", "--repo", repo.dir, "--out", planFile, "--format", "json"],
      env(),
    );
    expect(p.stderr).toBe("");
    const plan = JSON.parse(await readFile(planFile, "utf8"));
    expect(plan.deletions.map((d: { name: string }) => d.name)).toEqual(["web-1"]);
    const applied = await runCli(
      ["apply", planFile, "--auto-approve", "--repo", repo.dir, "--format", "json"],
      env(),
    );
    expect(applied.code).toBe(0);
    expect(emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-0", "web-1"]);

    const a = await audit("after-apply");
    expect(a.json.deletedOutside).toEqual([]);
    expect(a.code).toBe(0);
  });
});
