/**
 * Valid starting documents for the mutators, taken from the examples and the
 * SPEC, plus checks that a loader's *successful* result really is valid.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { CalendarSpec, DesiredState, Tags } from "../../src/core/model.js";
import { ACCOUNT_ID, RESOURCE_NAME } from "../../src/core/names.js";
import { REGION_NAMES } from "../../src/core/regions.js";
import type { FleetSeed } from "../../src/emulator/seed.js";
import { inheritedProblem } from "./harness.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const EXAMPLES = path.join(ROOT, "examples");

const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");

/** The SPEC's snapgate.yaml, every field set. */
export const FULL_RECONCILER = `apiVersion: snapgate.dev/v1
kind: Reconciler
metadata: { name: prod-lightsail }
spec:
  account: "111122223333"
  regions: [us-east-1, eu-west-2]
  scope:
    matchTags: { managed-by: snapgate }
    namePattern: "^app-"
  protect:
    matchTags: { legal-hold: "*" }
  guards:
    maxDeletions: 50
    maxDeletionPercent: 25
    minSnapshotsPerDisk: 1
    allowEmpty: false
  policy:
    bundle: policies/bundle.tar.gz
    data: { minAgeDays: 7 }
  access:
    allow: [ { matchTags: { team: storage } } ]
    deny:  [ { matchTags: { env: prod } } ]
    iamPolicy: iam/reconciler.json
  apply:
    autoApplyBranches: [main]
    maxPlanAge: 1h
  suspend: false
`;

export const RECONCILERS: readonly string[] = [
  read("examples/desired-state/snapgate.yaml"),
  FULL_RECONCILER,
];

/** snapshots/<file> → text, from the example repository. */
export const SNAPSHOT_SETS: Readonly<Record<string, string>> = {
  "snapshots/db.yaml": read("examples/desired-state/snapshots/db.yaml"),
  "snapshots/web.yaml": read("examples/desired-state/snapshots/web.yaml"),
};

export const FLEET_YAML = read("examples/fleet.yaml");

export const FLEET_WITH_PRINCIPALS = `account: "111122223333"
principals:
  - accessKeyId: AKIDSTORAGE
    secretAccessKey: secret
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["lightsail:GetDiskSnapshots", "lightsail:DeleteDiskSnapshot"]
          Resource: "*"
          Condition: { StringEquals: { "aws:ResourceTag/team": storage } }
regions:
  us-east-1:
    disks:
      - { name: web-data, sizeInGb: 64, tags: { team: web } }
    snapshots:
      - { name: web-data-2026-11-01, fromDisk: web-data, createdAt: "2026-11-01T03:00:00Z",
          sizeInGb: 64, state: completed, tags: { managed-by: snapgate } }
faults:
  latencyMs: 0
  scripted:
    - { operation: GetDiskSnapshots, exception: ServiceException, count: 1 }
`;

export const IAM_POLICIES: readonly string[] = [
  JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadSnapshots",
          Effect: "Allow",
          Action: ["lightsail:GetDiskSnapshots", "lightsail:GetDisks"],
          Resource: "*",
        },
        {
          Sid: "DeleteStorageSnapshots",
          Effect: "Allow",
          Action: "lightsail:DeleteDiskSnapshot",
          Resource: "arn:aws:lightsail:*:111122223333:DiskSnapshot/*",
          Condition: {
            StringEquals: { "aws:ResourceTag/team": "storage" },
            "ForAllValues:StringLike": { "aws:TagKeys": ["team", "env*"] },
            Null: { "aws:ResourceTag/legal-hold": "true" },
          },
        },
        {
          Effect: "Deny",
          NotAction: "lightsail:Get*",
          NotResource: ["arn:aws:lightsail:*:*:Disk/*"],
        },
      ],
    },
    null,
    2,
  ),
  '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": true}}}}',
];

/** The parsed value of every document of a YAML text (the mutators work on values). */
export function yamlValues(text: string): unknown[] {
  return parseAllDocuments(text).flatMap((d) => ("toJS" in d ? [d.toJS()] : []));
}

function tagsProblem(tags: Tags | undefined, where: string): string | null {
  if (tags === undefined) return null;
  if (Object.hasOwn(tags, "__proto__")) return `${where} has a __proto__ key`;
  for (const [k, v] of Object.entries(tags)) {
    if (k === "" || typeof v !== "string") return `${where}.${k} is not a string tag`;
  }
  return null;
}

const isName = (s: unknown) => typeof s === "string" && RESOURCE_NAME.test(s);
const isRegion = (s: unknown) =>
  typeof s === "string" && (REGION_NAMES as readonly string[]).includes(s);
const nonNegInt = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;

/** What is wrong with a DesiredState the loader accepted, or null. */
export function desiredProblem(d: DesiredState): string | null {
  const s = d.spec;
  const checks: [boolean, string][] = [
    [isName(d.name), `metadata.name ${JSON.stringify(d.name)}`],
    [ACCOUNT_ID.test(s.account), `account ${JSON.stringify(s.account)}`],
    [s.regions.length > 0 && s.regions.every(isRegion), `regions ${JSON.stringify(s.regions)}`],
    [new Set(s.regions).size === s.regions.length, "duplicate regions"],
    [Object.keys(s.scope.matchTags).length > 0, "empty scope"],
    [nonNegInt(s.guards.maxDeletions), `maxDeletions ${s.guards.maxDeletions}`],
    [
      nonNegInt(s.guards.minSnapshotsPerDisk),
      `minSnapshotsPerDisk ${s.guards.minSnapshotsPerDisk}`,
    ],
    [
      Number.isFinite(s.guards.maxDeletionPercent) &&
        s.guards.maxDeletionPercent >= 0 &&
        s.guards.maxDeletionPercent <= 100,
      `maxDeletionPercent ${s.guards.maxDeletionPercent}`,
    ],
    [typeof s.guards.allowEmpty === "boolean", "allowEmpty"],
    [typeof s.suspend === "boolean", "suspend"],
    [Number.isSafeInteger(s.apply.maxPlanAgeMs) && s.apply.maxPlanAgeMs > 0, "maxPlanAgeMs"],
    [typeof s.policy.bundle === "string" && s.policy.bundle !== "", "policy.bundle"],
    [
      s.policy.bundle === "builtin" ||
        !(s.policy.bundle.startsWith("/") || s.policy.bundle.split("/").includes("..")),
      `policy.bundle escapes: ${s.policy.bundle}`,
    ],
    [
      s.access.iamPolicy === undefined ||
        !(s.access.iamPolicy.startsWith("/") || s.access.iamPolicy.split("/").includes("..")),
      `iamPolicy escapes: ${s.access.iamPolicy}`,
    ],
  ];
  for (const [ok, what] of checks) if (!ok) return what;
  const tagSets: [Tags | undefined, string][] = [
    [s.scope.matchTags, "scope.matchTags"],
    [s.protect?.matchTags, "protect.matchTags"],
    ...s.access.allow.map((r, i): [Tags, string] => [r.matchTags, `access.allow[${i}]`]),
    ...s.access.deny.map((r, i): [Tags, string] => [r.matchTags, `access.deny[${i}]`]),
  ];
  for (const set of d.sets) {
    if (!isName(set.name) || !isRegion(set.region)) return `set ${set.name}/${set.region}`;
    if (!set.keep.every(isName)) return `keep of ${set.name}: ${JSON.stringify(set.keep)}`;
    for (const rule of set.retain) {
      const source = rule.fromDisk ?? rule.fromInstance;
      if ((rule.fromDisk === undefined) === (rule.fromInstance === undefined) || !isName(source))
        return `retain source ${rule.fromDisk}/${rule.fromInstance}`;
      if (
        rule.newest === undefined &&
        rule.maxAgeMs === undefined &&
        rule.withinMs === undefined &&
        rule.calendar === undefined
      )
        return "retain rule without newest/maxAge/within/calendar";
      if (
        rule.withinMs !== undefined &&
        !(Number.isSafeInteger(rule.withinMs) && rule.withinMs > 0)
      )
        return `retain within ${rule.withinMs}`;
      const calendarProblem = rule.calendar && calendarInvalid(rule.calendar);
      if (calendarProblem) return calendarProblem;
      if (rule.newest !== undefined && !(Number.isSafeInteger(rule.newest) && rule.newest >= 1)) {
        return `retain newest ${rule.newest}`;
      }
      if (
        rule.maxAgeMs !== undefined &&
        !(Number.isSafeInteger(rule.maxAgeMs) && rule.maxAgeMs > 0)
      ) {
        return `retain maxAge ${rule.maxAgeMs}`;
      }
      tagSets.push([rule.matchTags, `retain of ${set.name}`]);
    }
  }
  for (const [tags, where] of tagSets) {
    const problem = tagsProblem(tags, where);
    if (problem) return problem;
  }
  return inheritedProblem({ ...d, spec: { ...s, policy: { ...s.policy, data: {} } } });
}

/** What is wrong with a calendar the loader accepted, or null. */
function calendarInvalid(calendar: CalendarSpec): string | null {
  if (typeof calendar.timezone !== "string" || calendar.timezone === "") return "calendar.timezone";
  const counts = CALENDAR_UNITS.map((u) => calendar[u]).filter((n) => n !== undefined);
  if (counts.length === 0) return "calendar without a unit";
  for (const n of counts)
    if (n !== "all" && !(Number.isSafeInteger(n) && n >= 1)) return `calendar count ${n}`;
  return null;
}

const CALENDAR_UNITS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;

/** What is wrong with a fleet seed the loader accepted, or null. */
export function seedProblem(seed: FleetSeed): string | null {
  if (!ACCOUNT_ID.test(seed.account)) return `account ${seed.account}`;
  for (const [region, r] of Object.entries(seed.regions)) {
    if (!isRegion(region)) return `region ${region}`;
    for (const disk of r.disks) {
      if (!isName(disk.name)) return `disk ${disk.name}`;
      if (!(Number.isSafeInteger(disk.sizeInGb) && disk.sizeInGb > 0))
        return `disk size ${disk.sizeInGb}`;
      const problem = tagsProblem(disk.tags, `disk ${disk.name} tags`);
      if (problem) return problem;
    }
    for (const snap of r.snapshots) {
      if (!isName(snap.name)) return `snapshot ${snap.name}`;
      if (snap.createdAt !== undefined && !Number.isFinite(snap.createdAt))
        return `createdAt ${snap.createdAt}`;
      if (
        snap.sizeInGb !== undefined &&
        !(Number.isSafeInteger(snap.sizeInGb) && snap.sizeInGb > 0)
      ) {
        return `snapshot size ${snap.sizeInGb}`;
      }
      const problem = tagsProblem(snap.tags, `snapshot ${snap.name} tags`);
      if (problem) return problem;
    }
  }
  return inheritedProblem(seed);
}
