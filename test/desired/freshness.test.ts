/** spec.freshness and a SnapshotSet's freshness: the model they load into, and located errors. */
import { describe, expect, it } from "vitest";
import { load, loadProblems, MINIMAL_RECONCILER, reconcilerYaml } from "./helpers.js";

// reconcilerYaml(extra) puts `extra` at line 9, indented under `spec:`.

const FRESHNESS = `  freshness:
    maxAge: 26h
    warnAge: 25h
    sources:
      disks: { matchTags: { backup: required } }
      instances: { matchTags: { backup: required } }
`;

const set = (spec: string) => `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: db }
spec:
  region: us-east-1
${spec}`;

describe("spec.freshness", () => {
  it("loads the window (as ms and as written) and the sources' tag matchers", () => {
    expect(load(reconcilerYaml(FRESHNESS)).spec.freshness).toEqual({
      maxAgeMs: 26 * 3_600_000,
      maxAgeText: "26h",
      warnAgeMs: 25 * 3_600_000,
      warnAgeText: "25h",
      sources: {
        disks: { matchTags: { backup: "required" } },
        instances: { matchTags: { backup: "required" } },
      },
    });
  });

  it("is absent unless declared; sources default to none", () => {
    expect(load(MINIMAL_RECONCILER).spec.freshness).toBeUndefined();
    expect(load(reconcilerYaml("  freshness: { maxAge: 2d }\n")).spec.freshness).toEqual({
      maxAgeMs: 2 * 86_400_000,
      maxAgeText: "2d",
      sources: {},
    });
  });

  it("reports every bad field where it is", () => {
    const text = reconcilerYaml(`  freshness:
    warnAge: 30h
    sources:
      disks: { matchTags: {} }
      volumes: { matchTags: { a: b } }
`);
    expect(loadProblems(text)).toStrictEqual([
      "snapgate.yaml:10:5: spec.freshness.maxAge: required",
      "snapgate.yaml:12:27: spec.freshness.sources.disks.matchTags: must name at least one tag (an empty matcher would match everything)",
      'snapgate.yaml:13:7: spec.freshness.sources.volumes: unknown field "volumes"',
    ]);
  });

  it("refuses a duration it cannot read and a warnAge not shorter than maxAge", () => {
    expect(loadProblems(reconcilerYaml("  freshness: { maxAge: 26 }\n"))).toStrictEqual([
      "snapgate.yaml:9:24: spec.freshness.maxAge: 26 is not a duration: use a positive whole number followed by m, h, d or w (e.g. 90d)",
    ]);
    expect(
      loadProblems(reconcilerYaml("  freshness: { maxAge: 1d, warnAge: 24h }\n")),
    ).toStrictEqual([
      "snapgate.yaml:9:37: spec.freshness.warnAge: warnAge (24h) must be shorter than maxAge",
    ]);
  });
});

describe("a SnapshotSet's freshness", () => {
  it("overrides the window for the sources its rules name", () => {
    const d = load(MINIMAL_RECONCILER, {
      "snapshots/db.yaml": set(
        "  retain:\n    - { fromDisk: db-data, newest: 7 }\n  freshness: { maxAge: 2h }\n",
      ),
    });
    expect(d.sets[0]?.freshness).toEqual({ maxAgeMs: 7_200_000, maxAgeText: "2h" });
  });

  it("needs a retain rule to apply to, and a readable window", () => {
    expect(
      loadProblems(MINIMAL_RECONCILER, {
        "snapshots/db.yaml": set("  keep: [db-1]\n  freshness: { maxAge: 2h, maxage: 3h }\n"),
      }),
    ).toStrictEqual([
      "snapshots/db.yaml:7:14: spec.freshness: freshness applies to the sources this set's retain rules name (fromDisk/fromInstance), and it has no retain rule",
      'snapshots/db.yaml:7:28: spec.freshness.maxage: unknown field "maxage"',
    ]);
    expect(
      loadProblems(MINIMAL_RECONCILER, {
        "snapshots/db.yaml": set("  keep: [db-1]\n  freshness: { maxAge: 2h }\n"),
      }),
    ).toStrictEqual([
      "snapshots/db.yaml:7:14: spec.freshness: freshness applies to the sources this set's retain rules name (fromDisk/fromInstance), and it has no retain rule",
    ]);
  });
});
