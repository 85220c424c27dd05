/**
 * One serve auto-apply derives once: the plan it just made is approved
 * against that derivation in-process. Counted on the real emulator (its call
 * log), the real git (trace2 events of every git process, set in the user's git config) and the reconcile's
 * own step records: each region listed at most twice (plan, the executor's
 * confirmation), GetDisks once per region, the policy loaded once, the
 * repository fetched once, the desired state parsed once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit-log/log.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { reconcileOnce } from "../../src/reconcile/reconcile.js";
import { DirStateStore } from "../../src/state/store.js";
import { tempDir } from "../helpers/git-repo.js";
import { makeWorld, NOW_MS, RECONCILER, type World, webSet } from "../helpers/scenario.js";

let world: World | undefined;
const savedHome = process.env.HOME;
afterEach(async () => {
  process.env.HOME = savedHome;
  await world?.close();
  world = undefined;
});

const AUTO_APPLY = RECONCILER.replace(
  "  policy:",
  "  apply:\n    autoApplyBranches: [main]\n  policy:",
);

/** The git subcommands started while the trace file was set (child processes included). */
function gitCommands(traceFile: string): string[] {
  return readFileSync(traceFile, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { event: string; argv?: string[] })
    .filter((e) => e.event === "start" && e.argv !== undefined)
    .map((e) => subcommand(e.argv ?? []));
}

/** `git -c k=v -C dir fetch …` → `fetch`: the first word that is no option or option value. */
function subcommand(argv: readonly string[]): string {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return "";
}

describe("a serve auto-apply derives once", () => {
  it("lists each region at most twice, GetDisks once, and loads, fetches and parses once", async () => {
    world = await makeWorld({
      files: { "snapgate.yaml": AUTO_APPLY, "snapshots/web.yaml": webSet(["web-1"]) },
    });
    const w = world;
    const clients = lightsailClientFactory({ endpoint: w.emulator.url });
    // snapgate passes no GIT_* variable to git, but git reads the user's config: trace there
    const home = tempDir("snapgate-home-");
    const traceFile = path.join(home, "git.trace.json");
    writeFileSync(path.join(home, ".gitconfig"), `[trace2]\n\teventTarget = ${traceFile}\n`);
    process.env.HOME = home;
    const callsBefore = w.emulator.calls().length;

    const result = await reconcileOnce(
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
    process.env.HOME = savedHome;

    // The scenario: deletions in us-east-1 only, of the two configured regions.
    expect(result.outcome?.kind).toBe("applied");
    expect(result.applied?.deleted).toBeGreaterThan(0);
    const calls = w.emulator.calls().slice(callsBefore);
    const deleted = calls.filter((c) => c.operation === "DeleteDiskSnapshot");
    expect(new Set(deleted.map((c) => c.region))).toEqual(new Set(["us-east-1"]));

    const count = (operation: string, region: string) =>
      calls.filter((c) => c.operation === operation && c.region === region).length;
    // the scenario's regions fit one page each: a call is a listing
    const listings = (region: string) => count("GetDiskSnapshots", region);
    for (const region of ["us-east-1", "eu-west-2"]) {
      expect(count("GetDisks", region), `GetDisks in ${region}`).toBe(1);
      expect(listings(region), `listings of ${region}`).toBeLessThanOrEqual(2);
    }
    expect(listings("us-east-1")).toBe(2);
    expect(listings("eu-west-2")).toBe(1);

    const steps = (result.outcome?.steps ?? []).map((s) => s.step);
    const times = (step: string) => steps.filter((s) => s === step).length;
    expect(times("checkout")).toBe(1);
    expect(times("load-desired")).toBe(1);
    expect(times("load-policy")).toBe(1);
    expect(gitCommands(traceFile).filter((c) => c === "fetch")).toHaveLength(1);
  });
});
