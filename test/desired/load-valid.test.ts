import { describe, expect, it } from "vitest";
import { REGION_NAMES } from "../../src/core/regions.js";
import { load, MINIMAL_RECONCILER } from "./helpers.js";

const SPEC_RECONCILER = `# snapgate.yaml
apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: prod-lightsail }
spec:
  account: "111122223333"        # refuse to act if live ARNs belong to another account
  regions: [us-east-1, eu-west-2] # or ["*"]: every Lightsail region
  scope:                          # ownership: snapgate never touches anything outside it
    matchTags: { managed-by: snapgate }   # all must match; value "*" = key present
    namePattern: "^app-"                  # optional regex on the snapshot name
  protect:                        # never deleted, whatever git or policy says
    matchTags: { legal-hold: "*" }
  guards:
    maxDeletions: 50              # refuse the whole plan above this
    maxDeletionPercent: 25        # of in-scope snapshots
    minSnapshotsPerDisk: 1        # never leave a source disk with fewer
    allowEmpty: false             # refuse a plan whose desired set is empty
  policy:
    bundle: builtin               # or a path in the repo: a Rego dir or an OPA wasm bundle
    data: { minAgeDays: 7 }       # handed to the policy as data
  access:                         # tag-based access checks (mirror the IAM role's policy)
    allow: [ { matchTags: { team: storage } } ]
    deny:  [ { matchTags: { env: prod } } ]
    iamPolicy: iam/reconciler.json  # optional: evaluate this IAM policy document instead/as well
  apply:
    autoApplyBranches: [main]     # serve: apply automatically on pushes to these
    maxPlanAge: 1h
  suspend: false
`;

const SPEC_WEB = `# snapshots/web.yaml (several documents per file allowed)
apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  keep: [web-data-2026-11-01, web-data-2026-10-01]   # explicit names
  retain:                                             # rules: a match is desired
    - fromDisk: web-data
      newest: 7                                       # the 7 most recent of that disk
    - fromDisk: web-data
      maxAge: 90d                                     # younger than 90 days
      matchTags: { tier: monthly }
`;

const DAY = 86_400_000;

describe("loadDesiredState on valid input", () => {
  it("turns the SPEC §3 example into the exact DesiredState", () => {
    expect(load(SPEC_RECONCILER, { "snapshots/web.yaml": SPEC_WEB })).toStrictEqual({
      name: "prod-lightsail",
      spec: {
        account: "111122223333",
        regions: ["us-east-1", "eu-west-2"],
        scope: { matchTags: { "managed-by": "snapgate" }, namePattern: "^app-" },
        protect: { matchTags: { "legal-hold": "*" } },
        guards: {
          maxDeletions: 50,
          maxDeletionPercent: 25,
          minSnapshotsPerDisk: 1,
          allowEmpty: false,
        },
        policy: { bundle: "builtin", data: { minAgeDays: 7 } },
        access: {
          allow: [{ matchTags: { team: "storage" } }],
          deny: [{ matchTags: { env: "prod" } }],
          iamPolicy: "iam/reconciler.json",
        },
        apply: { autoApplyBranches: ["main"], maxPlanAgeMs: 3_600_000 },
        suspend: false,
      },
      sets: [
        {
          name: "web",
          region: "us-east-1",
          keep: ["web-data-2026-11-01", "web-data-2026-10-01"],
          retain: [
            { fromDisk: "web-data", newest: 7 },
            { fromDisk: "web-data", maxAgeMs: 90 * DAY, matchTags: { tier: "monthly" } },
          ],
          file: "snapshots/web.yaml",
        },
      ],
    });
  });

  it("fills in the documented defaults when optional sections are left out", () => {
    const state = load(MINIMAL_RECONCILER);
    expect(state.spec).toStrictEqual({
      account: "111122223333",
      regions: ["us-east-1", "eu-west-2"],
      scope: { matchTags: { "managed-by": "snapgate" } },
      guards: {
        maxDeletions: 50,
        maxDeletionPercent: 25,
        minSnapshotsPerDisk: 1,
        allowEmpty: false,
      },
      policy: { bundle: "builtin", data: {} },
      access: { allow: [], deny: [] },
      apply: { autoApplyBranches: [], maxPlanAgeMs: 3_600_000 },
      suspend: false,
    });
    expect(state.sets).toStrictEqual([]);
  });

  it("defaults each guard on its own when only some are given", () => {
    const state = load(`${MINIMAL_RECONCILER}  guards: { maxDeletions: 3 }\n`);
    expect(state.spec.guards).toStrictEqual({
      maxDeletions: 3,
      maxDeletionPercent: 25,
      minSnapshotsPerDisk: 1,
      allowEmpty: false,
    });
  });

  it('expands regions: ["*"] to all 16 Lightsail regions', () => {
    const state = load(MINIMAL_RECONCILER.replace("[us-east-1, eu-west-2]", '["*"]'));
    expect(state.spec.regions).toStrictEqual(REGION_NAMES);
    expect(state.spec.regions).toHaveLength(16);
  });

  it("reads several SnapshotSets from one file and keeps file order", () => {
    const sets = {
      "snapshots/a.yaml": `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: one }
spec: { region: us-east-1, keep: [snap-1] }
---
apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: two }
spec: { region: eu-west-2 }
---
`,
      "snapshots/b.yml": `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: three }
spec:
  region: us-east-1
  retain: [{ fromDisk: db-data, maxAge: 12h }, { fromDisk: db-data, maxAge: 2w, newest: 1 }]
`,
    };
    const state = load(MINIMAL_RECONCILER, sets);
    expect(state.sets).toStrictEqual([
      { name: "one", region: "us-east-1", keep: ["snap-1"], retain: [], file: "snapshots/a.yaml" },
      { name: "two", region: "eu-west-2", keep: [], retain: [], file: "snapshots/a.yaml" },
      {
        name: "three",
        region: "us-east-1",
        keep: [],
        retain: [
          { fromDisk: "db-data", maxAgeMs: 12 * 3_600_000 },
          { fromDisk: "db-data", newest: 1, maxAgeMs: 14 * DAY },
        ],
        file: "snapshots/b.yml",
      },
    ]);
  });

  it("accepts a snapshots file with no documents (zero SnapshotSets is valid here)", () => {
    const state = load(MINIMAL_RECONCILER, { "snapshots/empty.yaml": "# nothing yet\n" });
    expect(state.sets).toStrictEqual([]);
  });

  it("keeps the same snapshot name in two different regions", () => {
    const set = (name: string, region: string) =>
      `apiVersion: snapgate.dev/v1\nkind: SnapshotSet\nmetadata: { name: ${name} }\nspec: { region: ${region}, keep: [shared-name] }\n`;
    const state = load(MINIMAL_RECONCILER, {
      "snapshots/a.yaml": set("set-a", "us-east-1"),
      "snapshots/b.yaml": set("set-b", "eu-west-2"),
    });
    expect(state.sets.map((s) => [s.region, s.keep])).toStrictEqual([
      ["us-east-1", ["shared-name"]],
      ["eu-west-2", ["shared-name"]],
    ]);
  });
});
