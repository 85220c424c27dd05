import { describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { loadDesiredState } from "../../src/desired/index.js";
import { filesOf, loadProblems, MINIMAL_RECONCILER, reconcilerYaml } from "./helpers.js";

// reconcilerYaml(extra) puts `extra` at line 9, indented under `spec:`.

const KNOWN_REGIONS =
  "(known: us-east-1, us-east-2, us-west-2, ca-central-1, eu-west-1, eu-west-2, eu-west-3, " +
  "eu-central-1, eu-north-1, ap-south-1, ap-southeast-1, ap-southeast-2, ap-southeast-3, " +
  "ap-southeast-5, ap-northeast-1, ap-northeast-2)";

function snapshotSet(name: string, spec: string): string {
  return `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: ${name} }
spec:
${spec}`;
}

describe("names", () => {
  it("reports a bad keep name with the SPEC's exact wording and position", () => {
    const web = `apiVersion: snapgate.dev/v1
kind: SnapshotSet
metadata: { name: web }
spec:
  region: us-east-1
  retain:
    - fromDisk: web-data
      newest: 7
  keep:
    - web-data-2026-11-01
    - web-data-2026-10-01
    - web data
`;
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": web })).toStrictEqual([
      'snapshots/web.yaml:12:7: spec.keep[2]: "web data" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)',
    ]);
  });

  it("reports bad fromDisk and metadata names", () => {
    const set = snapshotSet(
      "-web",
      "  region: us-east-1\n  retain:\n    - { fromDisk: x, newest: 1 }\n",
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      'snapshots/web.yaml:3:19: metadata.name: "-web" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)',
      'snapshots/web.yaml:7:19: spec.retain[0].fromDisk: "x" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)',
    ]);
  });

  it("requires metadata.name", () => {
    const text = MINIMAL_RECONCILER.replace("metadata: { name: prod }", "metadata: {}");
    expect(loadProblems(text)).toStrictEqual(["snapgate.yaml:3:11: metadata.name: required"]);
  });
});

describe("apiVersion and kind", () => {
  it("requires apiVersion snapgate.dev/v1", () => {
    const text = MINIMAL_RECONCILER.replace("snapgate.dev/v1", "snapgate.dev/v2");
    expect(loadProblems(text)).toStrictEqual([
      'snapgate.yaml:1:13: apiVersion: must be "snapgate.dev/v1", not "snapgate.dev/v2"',
    ]);
  });

  it("reports an unknown kind together with a bad apiVersion", () => {
    const text = "apiVersion: v1\nkind: Reconciller\nspec: {}\n";
    expect(loadProblems(text)).toStrictEqual([
      'snapgate.yaml:1:13: apiVersion: must be "snapgate.dev/v1", not "v1"',
      'snapgate.yaml:2:7: kind: unknown kind "Reconciller": expected Reconciler or SnapshotSet',
    ]);
  });

  it("refuses a SnapshotSet in snapgate.yaml and a Reconciler in snapshots/", () => {
    const set = snapshotSet("web", "  region: us-east-1\n");
    expect(loadProblems(set, { "snapshots/root.yaml": MINIMAL_RECONCILER })).toStrictEqual([
      "snapgate.yaml:2:7: kind: a SnapshotSet belongs in snapshots/*.yaml, not in snapgate.yaml",
      "snapshots/root.yaml:2:7: kind: a Reconciler belongs in snapgate.yaml at the root of the repository",
    ]);
  });

  it("refuses a second Reconciler document", () => {
    expect(loadProblems(`${MINIMAL_RECONCILER}---\n${MINIMAL_RECONCILER}`)).toStrictEqual([
      "snapgate.yaml:11:7: kind: only one Reconciler is allowed (the first is at line 1)",
    ]);
  });

  it("reports a missing snapgate.yaml and an empty one", () => {
    expect(loadProblems(null)).toStrictEqual([
      "snapgate.yaml: not found: the repository needs a snapgate.yaml (kind Reconciler) at its root",
    ]);
    expect(loadProblems("# nothing\n")).toStrictEqual([
      "snapgate.yaml: has no document: expected one of kind Reconciler",
    ]);
  });

  it("reports a document that is not a mapping", () => {
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/x.yaml": "- a\n- b\n" })).toStrictEqual([
      "snapshots/x.yaml:1:1: expected a mapping with apiVersion, kind, metadata and spec, got a list",
    ]);
  });
});

describe("unknown keys and wrong types", () => {
  it("reports an unknown key at the key, with its dotted path", () => {
    expect(
      loadProblems(reconcilerYaml("  colour: blue\n  guards: { maxDeletion: 3 }\n")),
    ).toStrictEqual([
      'snapgate.yaml:9:3: spec.colour: unknown field "colour"',
      'snapgate.yaml:10:13: spec.guards.maxDeletion: unknown field "maxDeletion"',
    ]);
  });

  it("reports wrong types in words a YAML author understands", () => {
    expect(
      loadProblems(
        reconcilerYaml('  suspend: "yes"\n  access: { allow: { matchTags: { team: a } } }\n'),
      ),
    ).toStrictEqual([
      'snapgate.yaml:9:12: spec.suspend: expected true or false, got the string "yes"',
      "snapgate.yaml:10:20: spec.access.allow: expected a list, got a mapping",
    ]);
  });

  it("asks to quote an account number and requires 12 digits", () => {
    const unquoted = MINIMAL_RECONCILER.replace('"111122223333"', "111122223333");
    expect(loadProblems(unquoted)).toStrictEqual([
      'snapgate.yaml:5:12: spec.account: expected a string, got the number 111122223333 (quote it: "111122223333")',
    ]);
    const short = MINIMAL_RECONCILER.replace('"111122223333"', '"11112222333"');
    expect(loadProblems(short)).toStrictEqual([
      'snapgate.yaml:5:12: spec.account: must be 12 digits, quoted (e.g. "111122223333")',
    ]);
  });

  it("refuses a __proto__ tag key instead of silently dropping it", () => {
    const set = snapshotSet(
      "web",
      '  region: us-east-1\n  retain: [{ fromDisk: web-data, newest: 1, matchTags: { "__proto__": x } }]\n',
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      'snapshots/web.yaml:6:71: spec.retain[0].matchTags.__proto__: the tag key "__proto__" is not allowed',
    ]);
  });
});

describe("policy.data", () => {
  it("refuses a __proto__ key, at the top or nested, at its place instead of dropping it", () => {
    expect(
      loadProblems(reconcilerYaml('  policy: { data: { "__proto__": { maxDeletions: 999 } } }\n')),
    ).toStrictEqual([
      'snapgate.yaml:9:34: spec.policy.data.__proto__: the key "__proto__" is not allowed',
    ]);
    expect(
      loadProblems(reconcilerYaml('  policy: { data: { limits: { "__proto__": 1 } } }\n')),
    ).toStrictEqual([
      'snapgate.yaml:9:44: spec.policy.data.limits.__proto__: the key "__proto__" is not allowed',
    ]);
  });
});

describe("regions", () => {
  it("reports unknown regions in the Reconciler and in a SnapshotSet", () => {
    const text = MINIMAL_RECONCILER.replace("[us-east-1, eu-west-2]", "[us-east-1, eu-west-9]");
    const set = snapshotSet("web", "  region: mars-1\n");
    expect(loadProblems(text, { "snapshots/web.yaml": set })).toStrictEqual([
      `snapgate.yaml:6:24: spec.regions[1]: "eu-west-9" is not a Lightsail region ${KNOWN_REGIONS}`,
      `snapshots/web.yaml:5:11: spec.region: "mars-1" is not a Lightsail region ${KNOWN_REGIONS}`,
    ]);
  });

  it("refuses a SnapshotSet in a region the Reconciler does not manage", () => {
    const set = snapshotSet("web", "  region: ap-south-1\n");
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      'snapshots/web.yaml:5:11: spec.region: "ap-south-1" is not one of the regions in snapgate.yaml spec.regions (us-east-1, eu-west-2)',
    ]);
  });

  it('refuses "*" mixed with other regions, duplicates and an empty list', () => {
    const mixed = MINIMAL_RECONCILER.replace(
      "[us-east-1, eu-west-2]",
      '[us-east-1, "*", us-east-1]',
    );
    expect(loadProblems(mixed)).toStrictEqual([
      'snapgate.yaml:6:24: spec.regions[1]: "*" means every region and cannot be combined with other regions',
      'snapgate.yaml:6:29: spec.regions[2]: "us-east-1" is listed twice',
    ]);
    const empty = MINIMAL_RECONCILER.replace("[us-east-1, eu-west-2]", "[]");
    expect(loadProblems(empty)).toStrictEqual([
      'snapgate.yaml:6:12: spec.regions: must list at least one region (or "*" for every region)',
    ]);
  });
});

describe("duplicates", () => {
  it("reports a duplicate SnapshotSet name at the second, naming the first", () => {
    const problems = loadProblems(MINIMAL_RECONCILER, {
      "snapshots/a.yaml": snapshotSet("web", "  region: us-east-1\n"),
      "snapshots/b.yaml": `# another\n${snapshotSet("web", "  region: eu-west-2\n")}`,
    });
    expect(problems).toStrictEqual([
      'snapshots/b.yaml:4:19: metadata.name: SnapshotSet "web" is already declared at snapshots/a.yaml:3:19',
    ]);
  });

  it("reports a keep name declared twice in one region, across sets and within a set", () => {
    const problems = loadProblems(MINIMAL_RECONCILER, {
      "snapshots/a.yaml": snapshotSet(
        "web",
        "  region: us-east-1\n  keep: [snap-1, snap-2, snap-1]\n",
      ),
      "snapshots/b.yaml": snapshotSet("web-2", "  region: us-east-1\n  keep:\n    - snap-2\n"),
    });
    expect(problems).toStrictEqual([
      'snapshots/a.yaml:6:26: spec.keep[2]: "snap-1" is already kept in us-east-1 by SnapshotSet "web" at snapshots/a.yaml:6:10',
      'snapshots/b.yaml:7:7: spec.keep[0]: "snap-2" is already kept in us-east-1 by SnapshotSet "web" at snapshots/a.yaml:6:18',
    ]);
  });
});

describe("durations", () => {
  it.each([
    ["90", "90 is not a duration"],
    ['"0d"', '"0d" is not a duration'],
    ["-1d", '"-1d" is not a duration'],
    ["90days", '"90days" is not a duration'],
    ["1.5h", '"1.5h" is not a duration'],
  ])("refuses maxAge: %s", (value, message) => {
    const set = snapshotSet(
      "web",
      `  region: us-east-1\n  retain:\n    - fromDisk: web-data\n      maxAge: ${value}\n`,
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      `snapshots/web.yaml:8:15: spec.retain[0].maxAge: ${message}: use a positive whole number followed by m, h, d or w (e.g. 90d)`,
    ]);
  });

  it("refuses a bad apply.maxPlanAge and accepts minutes", () => {
    expect(loadProblems(reconcilerYaml("  apply: { maxPlanAge: 1y }\n"))).toStrictEqual([
      'snapgate.yaml:9:24: spec.apply.maxPlanAge: "1y" is not a duration: use a positive whole number followed by m, h, d or w (e.g. 90d)',
    ]);
    const state = loadDesiredState(filesOf(reconcilerYaml("  apply: { maxPlanAge: 30m }\n")));
    expect(state.spec.apply.maxPlanAgeMs).toBe(30 * 60_000);
  });
});

describe("scope, protect and tags", () => {
  it("requires a scope, saying why", () => {
    const text = MINIMAL_RECONCILER.replace(
      "  scope:\n    matchTags: { managed-by: snapgate }\n",
      "",
    );
    const [problem, ...rest] = loadProblems(text);
    expect(rest).toStrictEqual([]);
    expect(problem).toBe(
      "snapgate.yaml:5:3: spec.scope: required: the ownership scope is what keeps snapgate away from " +
        "snapshots it does not own; without at least one tag every snapshot in the account would be in scope",
    );
  });

  it("refuses an empty scope.matchTags and an empty protect.matchTags", () => {
    const text = MINIMAL_RECONCILER.replace("{ managed-by: snapgate }", "{}");
    expect(loadProblems(`${text}  protect: { matchTags: {} }\n`)).toStrictEqual([
      "snapgate.yaml:8:16: spec.scope.matchTags: must name at least one tag: the ownership scope is what keeps " +
        "snapgate away from snapshots it does not own; without at least one tag every snapshot in the account would be in scope",
      "snapgate.yaml:9:25: spec.protect.matchTags: must name at least one tag (an empty matcher would match everything)",
    ]);
  });

  it("checks tag key and value lengths and value types", () => {
    const longKey = "k".repeat(129);
    const longValue = "v".repeat(257);
    const text = reconcilerYaml(
      `  protect:\n    matchTags:\n      ${longKey}: x\n      ok: ${longValue}\n      tier: 1\n`,
    );
    expect(loadProblems(text)).toStrictEqual([
      `snapgate.yaml:11:138: spec.protect.matchTags.${longKey}: tag key "${"k".repeat(77)}..." must be 1 to 128 characters long`,
      "snapgate.yaml:12:11: spec.protect.matchTags.ok: tag value must be at most 256 characters long (it has 257)",
      'snapgate.yaml:13:13: spec.protect.matchTags.tier: expected a string, got the number 1 (quote it: "1")',
    ]);
  });

  it("checks namePattern: compiles, is short, has no nested quantifiers", () => {
    const withPattern = (p: string) =>
      loadProblems(
        MINIMAL_RECONCILER.replace(
          "{ managed-by: snapgate }\n",
          () => `{ managed-by: snapgate }\n    namePattern: '${p}'\n`,
        ),
      );
    expect(withPattern("^app-(")).toStrictEqual([
      "snapgate.yaml:9:18: spec.scope.namePattern: is not a valid regular expression: Invalid regular expression: /^app-(/: Unterminated group",
    ]);
    expect(withPattern("a".repeat(257))).toStrictEqual([
      "snapgate.yaml:9:18: spec.scope.namePattern: is 257 characters long; the limit is 256",
    ]);
    expect(withPattern("^(a+)+$")).toStrictEqual([
      "snapgate.yaml:9:18: spec.scope.namePattern: has a quantified group that contains a quantifier (like (a+)+), which can take exponential time",
    ]);
  });
});

describe("guards, retain rules and paths", () => {
  it("checks guard numbers", () => {
    const text = reconcilerYaml(
      "  guards:\n    maxDeletions: -1\n    maxDeletionPercent: 101\n    minSnapshotsPerDisk: 1.5\n    allowEmpty: no\n",
    );
    expect(loadProblems(text)).toStrictEqual([
      "snapgate.yaml:10:19: spec.guards.maxDeletions: must be at least 0",
      "snapgate.yaml:11:25: spec.guards.maxDeletionPercent: must be at most 100",
      "snapgate.yaml:12:26: spec.guards.minSnapshotsPerDisk: expected a whole number, got 1.5",
      'snapgate.yaml:13:17: spec.guards.allowEmpty: expected true or false, got the string "no"',
    ]);
  });

  it("requires newest or maxAge in a retain rule, and newest >= 1", () => {
    const set = snapshotSet(
      "web",
      "  region: us-east-1\n  retain:\n    - fromDisk: web-data\n    - fromDisk: web-data\n      newest: 0\n",
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      "snapshots/web.yaml:7:7: spec.retain[0]: a retain rule needs newest, maxAge, within or calendar",
      "snapshots/web.yaml:9:15: spec.retain[1].newest: must be at least 1",
    ]);
  });

  it("refuses non-finite numbers, empty matchers and odd branch names", () => {
    const text = reconcilerYaml(
      "  guards: { maxDeletionPercent: .inf, minSnapshotsPerDisk: .nan }\n" +
        "  access: { allow: [ { matchTags: {} } ] }\n" +
        "  apply: { autoApplyBranches: ['', 'a b'] }\n",
    );
    expect(loadProblems(text)).toStrictEqual([
      "snapgate.yaml:9:33: spec.guards.maxDeletionPercent: expected a number, got Infinity",
      "snapgate.yaml:9:60: spec.guards.minSnapshotsPerDisk: expected a number, got NaN",
      "snapgate.yaml:10:35: spec.access.allow[0].matchTags: must name at least one tag (an empty matcher would match everything)",
      "snapgate.yaml:11:32: spec.apply.autoApplyBranches[0]: must not be empty",
      "snapgate.yaml:11:36: spec.apply.autoApplyBranches[1]: must not contain whitespace",
    ]);
  });

  it("keeps policy.bundle and access.iamPolicy inside the repository", () => {
    const text = reconcilerYaml(
      "  policy: { bundle: ../shared }\n  access: { iamPolicy: /etc/iam.json }\n",
    );
    expect(loadProblems(text)).toStrictEqual([
      'snapgate.yaml:9:21: spec.policy.bundle: must be "builtin" or a relative path inside the repository, not "../shared"',
      'snapgate.yaml:10:24: spec.access.iamPolicy: "/etc/iam.json" must be a relative path inside the repository (no leading /, no ..)',
    ]);
  });
});

describe("many problems at once", () => {
  it("reports every problem of every file in one error, in file and line order", () => {
    const reconciler = reconcilerYaml("  suspend: maybe\n").replace('"111122223333"', '"12"');
    const web = snapshotSet(
      "web",
      "  region: us-east-1\n  keep: [ok-name, bad name]\n  extra: 1\n",
    );
    const db = snapshotSet(
      "db",
      "  region: eu-west-2\n  retain: [{ fromDisk: db-data, maxAge: 0d }]\n",
    );
    let error: unknown;
    try {
      loadDesiredState(filesOf(reconciler, { "snapshots/web.yaml": web, "snapshots/db.yaml": db }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SnapgateError);
    const snapgateError = error as SnapgateError;
    expect(snapgateError.code).toBe("BadInput");
    expect(snapgateError.describe().split("\n")).toStrictEqual([
      "the desired state has 5 problems",
      'snapgate.yaml:5:12: spec.account: must be 12 digits, quoted (e.g. "111122223333")',
      'snapgate.yaml:9:12: spec.suspend: expected true or false, got the string "maybe"',
      'snapshots/web.yaml:6:19: spec.keep[1]: "bad name" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)',
      'snapshots/web.yaml:7:3: spec.extra: unknown field "extra"',
      'snapshots/db.yaml:6:41: spec.retain[0].maxAge: "0d" is not a duration: use a positive whole number followed by m, h, d or w (e.g. 90d)',
    ]);
  });
});

describe("calendar retention and sources", () => {
  /** Rules are given as YAML list items, each line indented under `retain:`. */
  const web = (...rules: string[]) =>
    snapshotSet(
      "web",
      `  region: us-east-1\n  retain:\n${rules.map((r) => `    - ${r}\n`).join("")}`,
    );

  it("names an unknown time zone, and the IANA spelling when only the case is wrong", () => {
    const set = web(
      "fromDisk: web-data\n      calendar:\n        timezone: Europe/Berln\n        daily: 7",
      "fromDisk: web-data\n      calendar: { timezone: europe/berlin, daily: 7 }",
      "fromDisk: web-data\n      calendar: { timezone: '+01:00', daily: 7 }",
      "fromDisk: web-data\n      calendar: { timezone: Australia/Lord_Howe, daily: 7, yearly: all }",
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      'snapshots/web.yaml:9:19: spec.retain[0].calendar.timezone: "Europe/Berln" is not an IANA time zone',
      'snapshots/web.yaml:12:29: spec.retain[1].calendar.timezone: "europe/berlin" is not an IANA time zone (did you mean "Europe/Berlin"?)',
      'snapshots/web.yaml:14:29: spec.retain[2].calendar.timezone: "+01:00" is not an IANA time zone',
    ]);
  });

  it.each([
    ["0", "the number 0"],
    ["-3", "the number -3"],
    ["1.5", "the number 1.5"],
    ["every", 'the string "every"'],
    ['"7"', 'the string "7"'],
    ["null", "null"],
  ])("refuses a bucket count of %s", (value, described) => {
    const set = web(`fromDisk: web-data\n      calendar: { weekly: ${value} }`);
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      `snapshots/web.yaml:8:27: spec.retain[0].calendar.weekly: must be a positive whole number or "all", not ${described}`,
    ]);
  });

  it("requires exactly one of fromDisk and fromInstance", () => {
    const set = web("newest: 3", "fromDisk: web-data\n      fromInstance: web-1\n      newest: 3");
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      "snapshots/web.yaml:7:7: spec.retain[0]: a retain rule needs its source: fromDisk or fromInstance",
      "snapshots/web.yaml:8:7: spec.retain[1]: a retain rule names one source: fromDisk or fromInstance, not both",
    ]);
  });

  it("requires a calendar to name a unit, and refuses unknown calendar keys", () => {
    const set = web(
      "fromInstance: web-1\n      calendar: { timezone: UTC }",
      "fromInstance: web-1\n      calendar: { dayly: 7 }",
    );
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      "snapshots/web.yaml:8:17: spec.retain[0].calendar: a calendar needs at least one of hourly, daily, weekly, monthly, yearly",
      "snapshots/web.yaml:10:17: spec.retain[1].calendar: a calendar needs at least one of hourly, daily, weekly, monthly, yearly",
      'snapshots/web.yaml:10:19: spec.retain[1].calendar.dayly: unknown field "dayly"',
    ]);
  });

  it("refuses a bad within duration", () => {
    const set = web("fromDisk: web-data\n      within: 2 days");
    expect(loadProblems(MINIMAL_RECONCILER, { "snapshots/web.yaml": set })).toStrictEqual([
      'snapshots/web.yaml:8:15: spec.retain[0].within: "2 days" is not a duration: use a positive whole number followed by m, h, d or w (e.g. 90d)',
    ]);
  });
});
