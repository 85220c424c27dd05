/** Events and messages are pure: literal inputs, exact outputs. */
import { describe, expect, it } from "vitest";
import {
  complianceEvents,
  findingsToEvents,
  markdownSummary,
  type NotifyEvent,
  RepeatFilter,
  reconcileEvents,
  slackPayload,
  webhookPayload,
} from "../../src/notify/index.js";

const SOURCE = {
  repo: "git@example.com:ops/snapshots.git",
  ref: "main",
  commit: "0123456789abcdef0123",
};
const DIGEST = `sha256:${"ab".repeat(32)}`;
const COUNTS = { deleted: 2, absent: 0, skipped: 1, denied: 0, failed: 0 };

describe("reconcile events", () => {
  const context = { repo: SOURCE.repo, ref: "main", trigger: "webhook" };

  it("an apply reports its counts; a plan-level block is reported beside it", () => {
    const events = reconcileEvents(
      { commit: SOURCE.commit, ok: true, planDigest: DIGEST, applyCounts: COUNTS },
      context,
    );
    expect(events).toEqual([
      { kind: "apply", source: SOURCE, planDigest: DIGEST, counts: COUNTS, trigger: "webhook" },
    ]);
    const blocked = reconcileEvents(
      {
        commit: SOURCE.commit,
        ok: true,
        planDigest: DIGEST,
        planLevelBlocks: ["maxDeletions: the plan deletes 80 snapshots, more than 50"],
        candidates: 80,
      },
      context,
    );
    expect(blocked).toEqual([
      {
        kind: "blocked",
        source: SOURCE,
        planDigest: DIGEST,
        reasons: ["maxDeletions: the plan deletes 80 snapshots, more than 50"],
        candidates: 80,
      },
    ]);
  });

  it("a failure names its reason and step; a quiet plan says nothing", () => {
    expect(
      reconcileEvents(
        {
          commit: null,
          ok: false,
          error: "git fetch failed",
          outcome: { reason: "SourceFailed", step: "checkout" },
        },
        context,
      ),
    ).toEqual([
      {
        kind: "failed",
        source: { ...SOURCE, commit: null },
        reason: "SourceFailed",
        step: "checkout",
        error: "git fetch failed",
        trigger: "webhook",
      },
    ]);
    expect(
      reconcileEvents({ commit: SOURCE.commit, ok: true, planDigest: DIGEST }, context),
    ).toEqual([]);
  });

  it("the same failure of the same commit is told once; a new one, or a recovery, resets it", () => {
    const failure = (error: string): NotifyEvent => ({
      kind: "failed",
      source: SOURCE,
      reason: "ListLiveFailed",
      error,
      trigger: "retry",
    });
    const repeats = new RepeatFilter();
    expect(repeats.filter([failure("throttled")])).toHaveLength(1);
    expect(repeats.filter([failure("throttled")])).toHaveLength(0);
    expect(repeats.filter([failure("timeout")])).toHaveLength(1);
    expect(repeats.filter([])).toHaveLength(0);
    expect(repeats.filter([failure("timeout")])).toHaveLength(1);
  });
});

describe("stale sources repeat", () => {
  it("the same stale sources are told once; a change in the set tells again", () => {
    const stale = (...names: string[]): NotifyEvent => ({
      kind: "stale",
      source: SOURCE,
      findings: names.map((name) => ({
        region: "us-east-1",
        kind: "disk" as const,
        name,
        status: "stale" as const,
        ageSeconds: 30 * 3600,
        newest: `${name}-1`,
        maxAgeSeconds: 26 * 3600,
      })),
    });
    const repeats = new RepeatFilter();
    expect(repeats.filter([stale("web-data")])).toHaveLength(1);
    expect(repeats.filter([stale("web-data")])).toHaveLength(0);
    expect(repeats.filter([stale("web-data", "db-data")])).toHaveLength(1);
    expect(repeats.filter([])).toHaveLength(0);
    expect(repeats.filter([stale("web-data", "db-data")])).toHaveLength(1);
  });
});

describe("findings and compliance", () => {
  it("stale and uncovered sources make one event, unexplained deletions another", () => {
    const events = findingsToEvents(SOURCE, {
      sources: [
        {
          region: "us-east-1",
          kind: "disk",
          name: "web-data",
          status: "stale",
          ageSeconds: 30 * 3600,
          newest: "web-1",
          maxAgeSeconds: 26 * 3600,
        },
        {
          region: "us-east-1",
          kind: "disk",
          name: "db-data",
          status: "none",
          ageSeconds: null,
          newest: null,
        },
        {
          region: "us-east-1",
          kind: "instance",
          name: "web-1",
          status: "ok",
          ageSeconds: 3600,
          newest: "web-1-sys",
        },
        {
          region: "us-east-1",
          kind: "disk",
          name: "gone",
          status: "orphaned",
          ageSeconds: 9e5,
          newest: "gone-1",
        },
      ],
      deletedOutside: [
        {
          region: "us-east-1",
          name: "web-old",
          arn: "arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/1",
          lastSeen: "2026-11-30T08:00:00Z",
        },
      ],
    });
    expect(events.map((e) => e.kind)).toEqual(["stale", "deleted-outside"]);
    expect(markdownSummary(events[0]!)).toBe(
      [
        "*snapgate: 2 sources without a fresh backup*",
        "`git@example.com:ops/snapshots.git` main @ `0123456789ab`",
        "• us-east-1 disk `web-data`: stale, newest `web-1` is 30h old (maxAge 26h)",
        "• us-east-1 disk `db-data`: no completed snapshot",
      ].join("\n"),
    );
    expect(markdownSummary(events[1]!)).toContain(
      "• us-east-1 `web-old` (arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/1), last seen 2026-11-30T08:00:00Z",
    );
    expect(findingsToEvents(SOURCE, { sources: [], deletedOutside: [] })).toEqual([]);
  });

  it("a non-compliant audit is an event, a compliant one is not", () => {
    const report = {
      compliant: false,
      source: { repo: SOURCE.repo, ref: "main", commit: SOURCE.commit },
      planDigest: DIGEST,
      summary: { classes: { desired: 3, "would-delete": 2, blocked: 0 }, missing: 1, warnings: 0 },
    };
    const [event] = complianceEvents(report);
    expect(markdownSummary(event!)).toBe(
      [
        "*snapgate audit: NOT COMPLIANT*",
        `\`${SOURCE.repo}\` main @ \`0123456789ab\`, plan \`sha256:abababababab…\``,
        "3 desired, 2 would-delete; 1 missing, 0 warnings",
      ].join("\n"),
    );
    expect(complianceEvents({ ...report, compliant: true })).toEqual([]);
  });
});

describe("message bodies", () => {
  const apply: NotifyEvent = {
    kind: "apply",
    source: SOURCE,
    planDigest: DIGEST,
    counts: COUNTS,
    trigger: "cli",
  };

  it("Slack gets {text} with the markdown summary, its markup characters escaped", () => {
    const body = JSON.parse(slackPayload(apply));
    expect(Object.keys(body)).toEqual(["text"]);
    expect(body.text).toBe(
      [
        "*snapgate applied a plan, with problems*",
        "`git@example.com:ops/snapshots.git` main @ `0123456789ab`, plan `sha256:abababababab…` (cli)",
        "2 deleted, 0 already absent, 1 skipped, 0 denied, 0 failed",
      ].join("\n"),
    );
    const failed: NotifyEvent = {
      kind: "failed",
      source: SOURCE,
      reason: "BadInput",
      error: "snapgate.yaml:3: <bad> & worse",
      trigger: "poll",
    };
    expect(JSON.parse(slackPayload(failed)).text).toContain(
      "snapgate.yaml:3: &lt;bad&gt; &amp; worse",
    );
  });

  it("a long list is cut, saying how many more", () => {
    const many = findingsToEvents(SOURCE, {
      deletedOutside: Array.from({ length: 25 }, (_, i) => ({
        region: "us-east-1",
        name: `s-${i}`,
        arn: `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${i}`,
        lastSeen: "2026-11-30T08:00:00Z",
      })),
    });
    const text = markdownSummary(many[0]!);
    expect(text.split("\n").filter((l) => l.startsWith("• "))).toHaveLength(11);
    expect(text).toContain("• … and 15 more");
  });

  it("the webhook document carries a schema version, the delivery id, the event and its data", () => {
    const doc = JSON.parse(webhookPayload(apply, { id: "d-1", time: "2026-12-01T00:00:00.000Z" }));
    expect(doc).toEqual({
      schemaVersion: 1,
      source: "snapgate",
      id: "d-1",
      time: "2026-12-01T00:00:00.000Z",
      event: "apply",
      summary: markdownSummary(apply),
      data: { source: SOURCE, planDigest: DIGEST, counts: COUNTS, trigger: "cli" },
    });
  });
});
