import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetDiskSnapshotsCommand } from "@aws-sdk/client-lightsail";
import { describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { parseSeedText, seedFromObject, startEmulator } from "../../src/emulator/index.js";
import { lightsail } from "./helpers.js";

const SPEC_SEED = `account: "111122223333"
principals:
  - accessKeyId: AKIDSTORAGE
    secretAccessKey: secret
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: "lightsail:*"
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
  serviceErrorRate: 0
`;

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SnapgateError);
    return (err as SnapgateError).describe().split("\n");
  }
  throw new Error("expected the seed to be rejected");
}

describe("fleet seed", () => {
  it("loads the SPEC §7 example from a file and serves it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "snapgate-seed-"));
    try {
      const file = join(dir, "fleet.yaml");
      await writeFile(file, SPEC_SEED);
      const emu = await startEmulator({ seed: file });
      try {
        const out = await lightsail(emu).send(new GetDiskSnapshotsCommand({}));
        expect(
          out.diskSnapshots!.map((s) => [s.name, s.createdAt?.toISOString(), s.state]),
        ).toEqual([["web-data-2026-11-01", "2026-11-01T03:00:00.000Z", "completed"]]);
        // The seeded principal exists (it authenticates) and its policy applies (no team tag on "*").
        const storage = lightsail(emu, {
          accessKeyId: "AKIDSTORAGE",
          secretAccessKey: "secret",
          maxAttempts: 1,
        });
        const err = await storage.send(new GetDiskSnapshotsCommand({})).catch((e: Error) => e);
        expect((err as Error).name).toBe("AccessDeniedException");
      } finally {
        await emu.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("serves instance-sourced snapshots with fromInstanceName/fromInstanceArn and no fromDisk fields", async () => {
    const seed = {
      regions: {
        "us-east-1": {
          instances: [{ name: "web-1" }],
          snapshots: [
            { name: "web-1-system-1", fromInstance: "web-1", createdAt: "2026-11-01T03:00:00Z" },
            { name: "gone-system-1", fromInstance: "gone-1", createdAt: "2026-11-02T03:00:00Z" },
          ],
        },
      },
    };
    const emu = await startEmulator({ seed });
    try {
      const out = await lightsail(emu).send(new GetDiskSnapshotsCommand({}));
      const shapes = out.diskSnapshots!.map((s) => ({
        name: s.name,
        fromInstanceName: s.fromInstanceName,
        fromInstanceArn: s.fromInstanceArn,
        fromDiskName: s.fromDiskName,
        fromDiskArn: s.fromDiskArn,
      }));
      expect(shapes).toHaveLength(2);
      for (const [snapshot, instance] of [
        ["web-1-system-1", "web-1"],
        ["gone-system-1", "gone-1"],
      ]) {
        const i = shapes.findIndex((s) => s.name === snapshot);
        expect(shapes[i]).toMatchObject({
          fromInstanceName: instance,
          fromDiskName: undefined,
          fromDiskArn: undefined,
        });
        expect(shapes[i]!.fromInstanceArn).toMatch(
          /^arn:aws:lightsail:us-east-1:111122223333:Instance\/[0-9a-f-]{36}$/,
        );
      }
      // Stable across restarts, like every seeded ARN.
      const again = await startEmulator({ seed });
      try {
        const out2 = await lightsail(again).send(new GetDiskSnapshotsCommand({}));
        expect(out2.diskSnapshots!.map((s) => s.fromInstanceArn)).toEqual(
          shapes.map((s) => s.fromInstanceArn),
        );
      } finally {
        await again.close();
      }
    } finally {
      await emu.close();
    }
  });

  it("refuses a seeded snapshot from both a disk and an instance, and duplicate instances", () => {
    const bad = `regions:
  us-east-1:
    instances: [{ name: web-1 }, { name: web-1 }]
    snapshots:
      - { name: both-1, fromDisk: web-data, fromInstance: web-1 }
`;
    expect(issuesOf(() => parseSeedText("fleet.yaml", bad)).slice(1)).toEqual([
      'fleet.yaml:3:42: regions.us-east-1.instances[1].name: duplicate instance name "web-1"',
      "fleet.yaml:5:9: regions.us-east-1.snapshots[0]: a snapshot comes from a disk or from an instance, not both",
    ]);
  });

  it("reports every problem of a bad fleet at once, each located", () => {
    const bad = `account: "1234"
regions:
  us-east-1:
    snapshots:
      - { name: "web data", tags: { managed-by: snapgate } }
      - { name: ok-1, colour: blue }
      - { name: ok-1 }
  moon-1:
    disks: []
faults:
  serviceErrorRate: 2
`;
    const lines = issuesOf(() => parseSeedText("fleet.yaml", bad));
    expect(lines[0]).toBe("6 problems in the input");
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        "fleet.yaml:1:10: account: must be a 12-digit AWS account id (quote it in YAML)",
        'fleet.yaml:5:17: regions.us-east-1.snapshots[0].name: "web data" is not a valid Lightsail resource name (\\w[\\w\\-]*\\w)',
        'fleet.yaml:6:23: regions.us-east-1.snapshots[1].colour: unknown field "colour"',
        'fleet.yaml:7:17: regions.us-east-1.snapshots[2].name: duplicate snapshot name "ok-1"',
        'fleet.yaml:9:5: regions.moon-1: "moon-1" is not a Lightsail region',
      ]),
    );
    expect(lines.some((l) => l.startsWith("fleet.yaml:11:21: faults.serviceErrorRate:"))).toBe(
      true,
    );
  });

  it("locates tag problems and YAML syntax errors", () => {
    const tags = `regions:\n  us-east-1:\n    disks:\n      - name: d-1\n        tags: { ${"k".repeat(130)}: v }\n`;
    const [line] = issuesOf(() => parseSeedText("t.yaml", tags));
    expect(line).toMatch(
      /^t\.yaml:5:15: regions\.us-east-1\.disks\[0\]\.tags: tag key "k+" must be 1 to 128 characters$/,
    );
    const [syntax] = issuesOf(() => parseSeedText("s.yaml", "regions: [unclosed\n"));
    expect(syntax).toMatch(/^s\.yaml(:\d+:\d+)?: invalid YAML: /);
  });

  it("validates a seed object, naming the field", () => {
    const lines = issuesOf(() =>
      seedFromObject({ regions: { "us-east-1": { snapshots: [{ name: "x" }] } } }),
    );
    expect(lines[0]).toMatch(
      /^<seed>: regions\.us-east-1\.snapshots\[0\]\.name: "x" is not a valid Lightsail resource name/,
    );
  });

  it("rejects a missing seed file as bad input", async () => {
    const err = await startEmulator({ seed: "/nonexistent/fleet.yaml" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).describe()).toContain(
      "/nonexistent/fleet.yaml: cannot read the seed",
    );
  });
});
