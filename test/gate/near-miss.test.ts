import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DesiredState, Inventory, LiveSnapshot } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { type GateDeps, runGate } from "../../src/gate/gate.js";
import { editDistance, foldName, isNearMiss } from "../../src/gate/near-miss.js";
import { desired, NOW, set, snap } from "../helpers/fleet.js";

describe("editDistance (Damerau-Levenshtein, adjacent swap = 1)", () => {
  it("counts inserts, deletes, substitutions and swaps", () => {
    expect(editDistance("media-before-cnd", "media-before-cdn")).toBe(1);
    expect(editDistance("abc", "abc")).toBe(0);
    expect(editDistance("abc", "abcd")).toBe(1);
    expect(editDistance("abcd", "abd")).toBe(1);
    expect(editDistance("abc", "axc")).toBe(1);
    expect(editDistance("ca", "abc")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("stops early past a limit, never reporting less than the truth", () => {
    expect(editDistance("aaaaaaaa", "bbbbbbbb", 2)).toBe(3);
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.string({ maxLength: 10 }),
        fc.nat(4),
        (a, b, l) => {
          const full = editDistance(a, b);
          expect(editDistance(a, b, l)).toBe(full <= l ? full : l + 1);
          expect(editDistance(b, a)).toBe(full);
        },
      ),
      { seed: 16, numRuns: 300 },
    );
  });
});

describe("isNearMiss", () => {
  it("matches after case and separator folding", () => {
    expect(foldName("Media_Before.CDN")).toBe("mediabeforecdn");
    expect(isNearMiss("Media_Before.CDN", "media-before-cdn")).toBe(true);
    expect(isNearMiss("dbnightly", "db-nightly")).toBe(true);
  });

  it("allows 2 edits for names of 8 characters or more, 1 for shorter ones", () => {
    expect(isNearMiss("media-before-cnd", "media-before-cdn")).toBe(true);
    expect(isNearMiss("media-bfore-cnd", "media-before-cdn")).toBe(true);
    expect(isNearMiss("medi-bfore-cnd", "media-before-cdn")).toBe(false);
    expect(isNearMiss("db-1", "db-2")).toBe(true);
    expect(isNearMiss("db-1", "db-23")).toBe(false);
    expect(isNearMiss("web", "db")).toBe(false);
  });

  it("an exact name is not a near miss (it would be live, not missing)", () => {
    expect(isNearMiss("app-1", "app-1")).toBe(false);
  });
});

const allowAll: GateDeps = {
  policy: { evaluate: () => ({ deny: [], warn: [] }) },
  access: () => ({ allowed: true }),
};

function blocksOf(d: DesiredState, snapshots: LiveSnapshot[]) {
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  const decisions = runGate(
    { desired: d, inventory, diff: diff(d, inventory, NOW), commit: "c", nowMs: NOW },
    allowAll,
  );
  return Object.fromEntries(
    decisions.map((x) => [
      `${x.candidate.snapshot.region}/${x.candidate.snapshot.name}`,
      x.blockedBy.map((b) => `${b.kind}: ${b.message}`),
    ]),
  );
}

describe("gate: a keep typo blocks the snapshot it meant", () => {
  it("blocks the near miss in the keep name's region, and nothing else", () => {
    const d = desired({}, [set({ keep: ["media-before-cnd", "app-live"] })]);
    const blocks = blocksOf(d, [
      snap({ name: "media-before-cdn" }),
      snap({ name: "media-before-cdn", region: "eu-west-2" }),
      snap({ name: "app-live" }),
      snap({ name: "unrelated-old" }),
    ]);
    expect(blocks).toEqual({
      "us-east-1/media-before-cdn": [
        'guard: keep: "media-before-cnd" is not live; did you mean "media-before-cdn"?',
      ],
      "eu-west-2/media-before-cdn": [],
      "us-east-1/unrelated-old": [],
    });
  });

  it("is not overridable by an allowing policy and does not count as deletable for maxDeletions", () => {
    const d = desired(
      {
        guards: {
          maxDeletions: 1,
          maxDeletionPercent: 100,
          minSnapshotsPerDisk: 0,
          allowEmpty: true,
        },
      },
      [set({ keep: ["Nightly_DB"] })],
    );
    const blocks = blocksOf(d, [snap({ name: "nightly-db" }), snap({ name: "old-1" })]);
    expect(blocks).toEqual({
      "us-east-1/nightly-db": ['guard: keep: "Nightly_DB" is not live; did you mean "nightly-db"?'],
      "us-east-1/old-1": [],
    });
  });
});
