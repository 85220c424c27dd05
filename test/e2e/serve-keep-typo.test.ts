/**
 * A typo in `keep` pushed to an auto-applied branch: `serve` (the built CLI)
 * with `autoApplyBranches: [main]` deletes what the push dropped from keep,
 * and nothing of the snapshot the typo meant.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  makeServeWorld,
  reconcileRecords,
  reconcilerYaml,
  type ServeWorld,
  snapshotSetYaml,
  waitUntil,
} from "./serve-world.js";

const FLEET = ["web-1", "web-old", "media-before-cdn"];

let world: ServeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("serve: a pushed keep typo", () => {
  it("auto-applies the push without deleting the snapshot the typo meant", async () => {
    world = await makeServeWorld({
      snapshots: FLEET,
      files: { "snapgate.yaml": reconcilerYaml(), "snapshots/web.yaml": snapshotSetYaml(FLEET) },
    });
    expect(reconcilerYaml()).toContain("autoApplyBranches: [main]");
    const serve = await world.startServe([
      "--webhook-secret-file",
      world.secretFile,
      "--interval",
      "0",
    ]);
    await waitUntil("the start-up reconcile", async () => (await serve.status()).reconciles >= 1);

    // drops web-old on purpose, and mistypes media-before-cdn
    const { head, hookOutput } = await world.commitAndPush(
      { "snapshots/web.yaml": snapshotSetYaml(["web-1", "media-before-cnd"]) },
      { message: "keep media-before-cdn (typo)", hookUrl: serve.url },
    );
    expect(hookOutput).toContain("HTTP 202");
    await waitUntil("the push's reconcile", async () => (await serve.status()).reconciles >= 2);

    const w = world;
    expect(w.emulator.deletedSnapshots().map((d) => d.name)).toEqual(["web-old"]);
    expect(
      w.emulator
        .snapshots("us-east-1")
        .map((s) => s.name)
        .sort(),
    ).toEqual(["media-before-cdn", "web-1"]);
    const records = await w.auditRecords();
    expect(records.filter((r) => r.type === "delete-intent").map((r) => r.name)).toEqual([
      "web-old",
    ]);
    expect(reconcileRecords(records)[1]).toMatchObject({
      commit: head,
      applied: true,
      ok: true,
      counts: { deleted: 1, failed: 0 },
    });
    expect(
      records.filter(
        (r) => r.type === "decision" && r.commit === head && r.name === "media-before-cdn",
      ),
    ).toEqual([
      expect.objectContaining({
        verdict: "blocked",
        blockedBy: [
          {
            kind: "guard",
            message: 'keep: "media-before-cnd" is not live; did you mean "media-before-cdn"?',
          },
        ],
      }),
    ]);

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toEqual({ code: 0, signal: null });
  });
});
