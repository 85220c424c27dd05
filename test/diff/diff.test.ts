import { describe, expect, it } from "vitest";
import type { Inventory, LiveSnapshot } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { daysAgo, desired, NOW, set, snap } from "../helpers/fleet.js";

const inv = (snapshots: LiveSnapshot[]): Inventory => ({
  regions: ["us-east-1", "eu-west-2"],
  snapshots,
  disks: [],
});
const names = (xs: readonly { name: string }[]) => xs.map((x) => x.name).sort();
const candidateNames = (r: ReturnType<typeof diff>) => names(r.candidates.map((c) => c.snapshot));

describe("diff: scope", () => {
  it("leaves snapshots without the scope tags, in other regions, or off the name pattern alone", () => {
    const fleet = [
      snap({ name: "app-a" }),
      snap({ name: "app-b", tags: { "managed-by": "someone-else" } }),
      snap({ name: "app-c", tags: {} }),
      snap({ name: "app-d", region: "ap-south-1" }),
      snap({ name: "other-e" }),
    ];
    const r = diff(
      desired({ scope: { matchTags: { "managed-by": "snapgate" }, namePattern: "^app-" } }, [
        set(),
      ]),
      inv(fleet),
      NOW,
    );
    expect(names(r.inScope)).toEqual(["app-a"]);
    expect(candidateNames(r)).toEqual(["app-a"]);
  });

  it('treats a scope value "*" as "key present"', () => {
    const fleet = [
      snap({ name: "a", tags: { owner: "x" } }),
      snap({ name: "b", tags: { owner: "" } }),
      snap({ name: "c", tags: {} }),
    ];
    const r = diff(desired({ scope: { matchTags: { owner: "*" } } }, [set()]), inv(fleet), NOW);
    expect(names(r.inScope)).toEqual(["a", "b"]);
  });

  it("compares scope tag keys case-insensitively; keys folding to one must all match", () => {
    const fleet = [
      snap({ name: "upper", tags: { "Managed-By": "snapgate" } }),
      snap({ name: "both-agree", tags: { "managed-by": "snapgate", "MANAGED-BY": "snapgate" } }),
      snap({ name: "both-disagree", tags: { "managed-by": "snapgate", "Managed-By": "other" } }),
      snap({ name: "value-case", tags: { "managed-by": "Snapgate" } }),
    ];
    const r = diff(desired({}, [set()]), inv(fleet), NOW);
    expect(names(r.inScope)).toEqual(["both-agree", "upper"]);
  });
});

describe("diff: keep and missing", () => {
  it("keeps named snapshots in the set's region only, and reports keep names that are not live", () => {
    const fleet = [
      snap({ name: "web-1" }),
      snap({ name: "web-1", region: "eu-west-2" }),
      snap({ name: "web-2" }),
    ];
    const r = diff(desired({}, [set({ keep: ["web-1", "web-9"] })]), inv(fleet), NOW);
    expect(r.desired.map((s) => `${s.region}/${s.name}`)).toEqual(["us-east-1/web-1"]);
    expect(r.candidates.map((c) => `${c.snapshot.region}/${c.snapshot.name}:${c.reason}`)).toEqual([
      "eu-west-2/web-1:not-declared",
      "us-east-1/web-2:not-declared",
    ]);
    expect(r.missing).toEqual([{ region: "us-east-1", name: "web-9" }]);
  });

  it("does not report a kept name as missing when it is live but out of scope", () => {
    const fleet = [snap({ name: "web-1", tags: {} })];
    const r = diff(desired({}, [set({ keep: ["web-1"] })]), inv(fleet), NOW);
    expect(r.missing).toEqual([]);
    expect(r.candidates).toEqual([]);
  });
});

describe("diff: retention rules", () => {
  it("newest N keeps the N most recent completed snapshots of that disk; older ones are outside retention", () => {
    const fleet = [1, 2, 3, 4, 5].map((d) => snap({ name: `web-${d}`, createdAt: daysAgo(d) }));
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "web-data", newest: 2 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["web-1", "web-2"]);
    expect(r.candidates.every((c) => c.reason === "outside-retention")).toBe(true);
    expect(candidateNames(r)).toEqual(["web-3", "web-4", "web-5"]);
  });

  it("keeps every snapshot tied with the Nth on createdAt", () => {
    const t = daysAgo(2);
    const fleet = [
      snap({ name: "a", createdAt: daysAgo(1) }),
      snap({ name: "b", createdAt: t }),
      snap({ name: "c", createdAt: t }),
      snap({ name: "d", createdAt: daysAgo(3) }),
    ];
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "web-data", newest: 2 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["a", "b", "c"]);
    expect(candidateNames(r)).toEqual(["d"]);
  });

  it("ranks only completed snapshots, so a failed snapshot never pushes a good one out", () => {
    const fleet = [
      snap({ name: "bad", createdAt: daysAgo(1), state: "error" }),
      snap({ name: "pending", createdAt: daysAgo(0.5), state: "pending" }),
      snap({ name: "good-2", createdAt: daysAgo(2) }),
      snap({ name: "good-3", createdAt: daysAgo(3) }),
    ];
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "web-data", newest: 2 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["good-2", "good-3"]);
    expect(candidateNames(r)).toEqual(["bad", "pending"]);
  });

  it("applies newest N per region: the same disk name in another region is another disk", () => {
    const fleet = [
      snap({ name: "e1", createdAt: daysAgo(1) }),
      snap({ name: "e2", createdAt: daysAgo(2) }),
      snap({ name: "w1", region: "eu-west-2", createdAt: daysAgo(1) }),
      snap({ name: "w2", region: "eu-west-2", createdAt: daysAgo(2) }),
    ];
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "web-data", newest: 1 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["e1"]);
    expect(r.candidates.map((c) => `${c.snapshot.name}:${c.reason}`)).toEqual([
      "w1:not-declared",
      "w2:not-declared",
      "e2:outside-retention",
    ]);
  });

  it("maxAge is inclusive at the boundary and honours matchTags", () => {
    const fleet = [
      snap({
        name: "at-boundary",
        createdAt: daysAgo(90),
        tags: { "managed-by": "snapgate", tier: "monthly" },
      }),
      snap({
        name: "just-older",
        createdAt: new Date(NOW - 90 * 86_400_000 - 1).toISOString(),
        tags: { "managed-by": "snapgate", tier: "monthly" },
      }),
      snap({ name: "young-untiered", createdAt: daysAgo(1) }),
    ];
    const r = diff(
      desired({}, [
        set({
          retain: [
            { fromDisk: "web-data", maxAgeMs: 90 * 86_400_000, matchTags: { tier: "monthly" } },
          ],
        }),
      ]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["at-boundary"]);
    expect(candidateNames(r)).toEqual(["just-older", "young-untiered"]);
  });

  it("retain matchTags compares keys case-insensitively and keeps what either reading of folded duplicates keeps", () => {
    const fleet = [
      snap({
        name: "plain",
        createdAt: daysAgo(3),
        tags: { "managed-by": "snapgate", Tier: "monthly" },
      }),
      // matches tier: monthly only if one of its two tier keys may decide
      snap({
        name: "ambiguous",
        createdAt: daysAgo(1),
        tags: { "managed-by": "snapgate", tier: "monthly", TIER: "daily" },
      }),
      snap({
        name: "daily",
        createdAt: daysAgo(2),
        tags: { "managed-by": "snapgate", tier: "daily" },
      }),
    ];
    const r = diff(
      desired({}, [
        set({ retain: [{ fromDisk: "web-data", newest: 1, matchTags: { tier: "monthly" } }] }),
      ]),
      inv(fleet),
      NOW,
    );
    // any-reading ranks [ambiguous, plain] → keeps ambiguous; unanimous ranks [plain] → keeps plain
    expect(names(r.desired)).toEqual(["ambiguous", "plain"]);
    expect(candidateNames(r)).toEqual(["daily"]);
  });

  it("a rule with both newest and maxAge keeps what either keeps", () => {
    const fleet = [
      snap({ name: "old-newest", createdAt: daysAgo(400) }),
      snap({ name: "older", createdAt: daysAgo(500) }),
    ];
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "web-data", newest: 1, maxAgeMs: 86_400_000 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["old-newest"]);
  });

  it("snapshots of a disk no rule governs are not-declared; snapshots of deleted disks still count by name", () => {
    const fleet = [
      snap({ name: "x", fromDiskName: "gone-disk" }),
      snap({ name: "y", fromDiskName: undefined, fromInstanceName: "vm-1" }),
    ];
    const r = diff(
      desired({}, [set({ retain: [{ fromDisk: "gone-disk", newest: 1 }] })]),
      inv(fleet),
      NOW,
    );
    expect(names(r.desired)).toEqual(["x"]);
    expect(r.candidates.map((c) => `${c.snapshot.name}:${c.reason}`)).toEqual(["y:not-declared"]);
  });
});
