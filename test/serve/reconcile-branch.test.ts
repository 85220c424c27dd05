/**
 * serve follows a branch by its full ref: a tag or a sha named like the branch
 * is never planned, let alone auto-applied.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { reconcileOnce } from "../../src/reconcile/reconcile.js";
import { DirStateStore } from "../../src/state/store.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const AUTO_APPLY = RECONCILER.replace(
  "  policy:",
  "  apply:\n    autoApplyBranches: [main]\n  policy:",
);

function git(dir: string, args: string[]): string {
  return execFileSync("git", ["-c", "commit.gpgsign=false", ...args], {
    cwd: dir,
    encoding: "utf8",
  }).trim();
}

function reconcile(w: World) {
  const clients = lightsailClientFactory({ endpoint: w.emulator.url });
  return reconcileOnce(
    {
      repo: w.repo.dir,
      branch: "main",
      cacheDir: w.cacheDir,
      store: new DirStateStore(w.stateDir),
      audit: new AuditLog(path.join(w.stateDir, "audit.jsonl")),
      planClients: clients,
      applyClients: clients,
      identity: stsIdentityProbe({ endpoint: w.emulator.url }),
      concurrency: 1,
      rate: 50,
      now: () => NOW_MS,
    },
    { kind: "poll", commit: w.repo.head() },
  );
}

describe("serve's reconcile follows the branch, not a tag of the same name", () => {
  it("a tag called main on another commit is ignored while the branch exists", async () => {
    world = await makeWorld({
      files: { "snapgate.yaml": AUTO_APPLY, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const keepAll = webSet(["web-1", "web-old", "web-older", "web-young", "web-held", "manual"]);
    const tagged = world.repo.commit({ "snapshots/web.yaml": keepAll }, "keep all");
    git(world.repo.dir, ["tag", "main", tagged]);
    const head = world.repo.commit({ "snapshots/web.yaml": webSet(["web-1"]) }, "drop old");
    const result = await reconcile(world);
    expect(result).toMatchObject({ ok: true, commit: head });
  });

  it("with the branch gone, a tag called main is not planned or applied", async () => {
    world = await makeWorld({
      files: { "snapgate.yaml": AUTO_APPLY, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const dir = world.repo.dir;
    git(dir, ["tag", "main", world.repo.head()]);
    git(dir, ["checkout", "-q", "-b", "other"]);
    git(dir, ["branch", "-D", "main"]);
    const before = world.emulator.snapshots().map((s) => s.name);
    const result = await reconcile(world);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/refs\/heads\/main" not found/);
    expect(world.emulator.snapshots().map((s) => s.name)).toEqual(before);
  });
});
