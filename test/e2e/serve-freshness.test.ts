/**
 * serve exposes freshness to monitoring: after every reconcile, the gauges
 * snapgate_source_newest_snapshot_age_seconds and
 * snapgate_source_freshness_status, and the counter of deleted-outside
 * findings. The built CLI runs serve; a snapshot taken in the emulator and a
 * snapshot that vanishes behind snapgate's back change them at the next reconcile.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  makeServeWorld,
  reconcilerYaml,
  type ServeWorld,
  snapshotSetYaml,
  waitUntil,
} from "./serve-world.js";

const WEB = ["web-1", "web-old", "web-older"];

let world: ServeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FRESHNESS = `  freshness:
    maxAge: 26h
    sources:
      disks: { matchTags: { team: web } }
`;

const LABELS = 'region="us-east-1",kind="disk",source="web-data"';

function gauge(metrics: string, name: string, labels: string): number | undefined {
  const line = metrics.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("serve: freshness gauges", () => {
  it("change after a snapshot is created in the emulator and a reconcile runs", async () => {
    world = await makeServeWorld({
      snapshots: WEB,
      files: {
        "snapgate.yaml": reconcilerYaml() + FRESHNESS,
        "snapshots/web.yaml": snapshotSetYaml(WEB),
      },
    });
    const serve = await world.startServe([
      "--webhook-secret-file",
      world.secretFile,
      "--interval",
      "0",
    ]);
    await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);

    // The newest snapshot is 30 days old: stale.
    const before = await serve.metrics();
    const ageBefore = gauge(before, "snapgate_source_newest_snapshot_age_seconds", LABELS);
    expect(ageBefore).toBeGreaterThanOrEqual(30 * 86_400);
    expect(gauge(before, "snapgate_source_freshness_status", `${LABELS},status="stale"`)).toBe(1);
    expect(gauge(before, "snapgate_source_freshness_status", `${LABELS},status="ok"`)).toBe(0);
    expect(before).toMatch(/^snapgate_deleted_outside_findings_total 0$/m);

    // A fresh backup appears, and web-older vanishes behind snapgate's back.
    world.emulator.addSnapshot("us-east-1", {
      name: "web-new",
      fromDisk: "web-data",
      tags: { "managed-by": "snapgate" },
    });
    expect(world.emulator.faults.vanish("us-east-1", "web-older")).toBe(true);
    const head = (await serve.status()).lastCommit;
    const body = JSON.stringify({ repo: world.bare, ref: "refs/heads/main", after: head });
    expect((await serve.postGeneric(body, { deliveryId: "fresh-1" })).status).toBe(202);
    await waitUntil("the webhook's reconcile", async () => (await serve.status()).reconciles >= 2);

    const after = await serve.metrics();
    const ageAfter = gauge(after, "snapgate_source_newest_snapshot_age_seconds", LABELS);
    expect(ageAfter).toBeLessThan(3600);
    expect(gauge(after, "snapgate_source_freshness_status", `${LABELS},status="ok"`)).toBe(1);
    expect(gauge(after, "snapgate_source_freshness_status", `${LABELS},status="stale"`)).toBe(0);
    expect(after).toMatch(/^snapgate_deleted_outside_findings_total 1$/m);
  });
});
