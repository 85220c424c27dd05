/**
 * End to end through the BUILT CLI (run `npm run build` first): `snapgate plan`
 * on a sample of mutated desired-state repos (real git repos in temp dirs) and
 * `snapgate apply --auto-approve` on mutated plan files, against one emulator.
 * Every input the in-process loader refuses must give exit 1 with that
 * loader's first located line on stderr, and across the whole run the
 * emulator must see no Lightsail call at all — bad input is refused before
 * anything is listed, let alone deleted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatIssue, SnapgateError } from "../../src/core/errors.js";
import { loadDesiredState } from "../../src/desired/index.js";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { parsePlan } from "../../src/plan/plan-file.js";
import { CLI, runCli } from "../helpers/cli.js";
import { makeRepo, tempDir } from "../helpers/git-repo.js";
import { FLEET, NOW_MS, RECONCILER, webSet } from "../helpers/scenario.js";
import { desiredCase, desiredFilesOf, repoTexts } from "./desired-cases.js";
import { FUZZ_RUNS, FUZZ_SEED, Tally } from "./harness.js";
import { applyTextOps, applyValueOps, rawJson, renderJson, textOps, valueOps } from "./mutate.js";

const tally = new Tally();
afterAll(() => tally.print());

/** Repos per run: each is a git repo and a CLI process, so far fewer than the in-process fuzzers. */
const SAMPLE = Math.max(4, Math.round(FUZZ_RUNS / 10));
const PARALLEL = 4;

let emulator: RunningEmulator;
let root: string;

function envFor(stateDir: string): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_LIGHTSAIL: emulator.url,
    AWS_ENDPOINT_URL_STS: emulator.url,
    SNAPGATE_STATE_DIR: stateDir,
    XDG_CACHE_HOME: path.join(stateDir, "cache"),
    SNAPGATE_NOW: new Date(NOW_MS).toISOString(),
  };
}

/** The first located line the in-process loader gives, or null when it accepts the input. */
function expectedLine(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (err) {
    if (!(err instanceof SnapgateError)) throw err;
    const first = err.issues[0];
    return first ? formatIssue(first) : err.message;
  }
}

function stripBoms<T extends Record<string, string>>(texts: T): T {
  return Object.fromEntries(
    Object.entries(texts).map(([k, v]) => [k, v.replace(/^\uFEFF/, "")]),
  ) as T;
}

async function inBatches<T>(
  items: readonly T[],
  run: (item: T, i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) {
    await Promise.all(items.slice(i, i + PARALLEL).map((item, k) => run(item, i + k)));
  }
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  emulator = await startEmulator({ seed: FLEET });
  root = tempDir("snapgate-fuzz-cli-");
});

afterAll(async () => {
  await emulator?.close();
});

describe("fuzz: the built CLI on bad input", () => {
  it("plan: exit 1 with the located message for every refused repo; no Lightsail call at all", async () => {
    const bad = fc
      .sample(desiredCase, { seed: FUZZ_SEED, numRuns: SAMPLE * 6 })
      // As readDesiredFiles will see them on disk: a leading BOM is dropped by the UTF-8 decoder.
      .map((c) => ({ c, texts: stripBoms(repoTexts(c)) }))
      .map((x) => ({ ...x, line: expectedLine(() => loadDesiredState(desiredFilesOf(x.texts))) }))
      .filter((x): x is typeof x & { line: string } => x.line !== null)
      .filter((x) => Object.values(x.texts).every((t) => !t.includes("\0")))
      .slice(0, SAMPLE);
    expect(bad.length).toBeGreaterThan(0);
    await inBatches(bad, async ({ texts, line }, i) => {
      const repo = makeRepo(texts);
      const stateDir = path.join(root, `plan-${i}`);
      const r = await runCli(["plan", "--repo", repo.dir], envFor(stateDir));
      expect(r.code, `${line}\n${r.stderr}`).toBe(1);
      expect(r.stderr).toContain(line.split("\n")[0] as string);
      tally.record("CLI plan (mutated repos)", "rejected");
    });
    expect(emulator.calls()).toEqual([]);
  });

  it("apply --auto-approve: exit 1 for every refused plan file; nothing deleted", async () => {
    // A plan that would delete: made by the CLI itself against a fresh emulator-backed repo.
    const repo = makeRepo({ "snapgate.yaml": RECONCILER, "snapshots/web.yaml": webSet(["web-1"]) });
    const stateDir = path.join(root, "apply");
    mkdirSync(stateDir, { recursive: true });
    const planFile = path.join(stateDir, "plan.json");
    const made = await runCli(["plan", "--repo", repo.dir, "--out", planFile], envFor(stateDir));
    expect(made.code, made.stderr).toBe(0);
    const planText = readFileSync(planFile, "utf8");
    const planValue = JSON.parse(planText);
    expect(planValue.deletions.length).toBeGreaterThan(0);
    const callsBefore = emulator.calls().length;

    const planCase = fc.record({
      structural: fc.boolean(),
      ops: valueOps(rawJson),
      text: textOps(false),
    });
    const bad = fc
      .sample(planCase, { seed: FUZZ_SEED, numRuns: SAMPLE * 4 })
      .map((c) =>
        c.structural
          ? applyTextOps(renderJson(applyValueOps(planValue, c.ops), true), c.text)
          : applyTextOps(planText, c.text.length > 0 ? c.text : [{ op: "truncate", at: 50 }]),
      )
      .filter((text) => expectedLine(() => parsePlan(planFile, text)) !== null)
      .slice(0, SAMPLE);
    await inBatches(bad, async (text, i) => {
      const file = path.join(stateDir, `bad-${i}.json`);
      writeFileSync(file, text);
      const r = await runCli(
        ["apply", file, "--repo", repo.dir, "--auto-approve"],
        envFor(path.join(root, `apply-${i}`)),
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(file);
      tally.record("CLI apply (mutated plan files)", "rejected");
    });
    expect(emulator.deletedSnapshots()).toEqual([]);
    expect(
      emulator
        .calls()
        .slice(callsBefore)
        .filter((c) => c.operation === "DeleteDiskSnapshot"),
    ).toEqual([]);
    expect(emulator.calls().slice(callsBefore)).toEqual([]);
  });
});
