import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256 } from "../../src/core/canonical-json.js";
import { SnapgateError } from "../../src/core/errors.js";
import type { Inventory } from "../../src/core/model.js";
import { diff } from "../../src/diff/diff.js";
import { type GateInput, gateBatch } from "../../src/gate/gate.js";
import { createPolicyEngine } from "../../src/gate/policy/engine.js";
import {
  BUILTIN_BUNDLE_DIR,
  DEFAULT_POLICY_BUDGET,
  loadPolicyBundle,
  policyBudgetFromEnv,
} from "../../src/gate/policy/index.js";
import { daysAgo, desired, NOW, set, snap, spec } from "../helpers/fleet.js";
import { withEndlessLoop } from "../helpers/wasm-patch.js";
import { caseInput, evaluateOne, loadCases, makeRepo, opaBuild } from "./helpers.js";

const { baseInput } = loadCases();

/** The gate's input for unmanaged-by-git snapshots of the test fleet: each one a candidate. */
function gateInputFor(names: string[], specOver: Parameters<typeof desired>[0] = {}): GateInput {
  const d = desired(specOver, [set()]);
  const snapshots = names.map((name, i) => snap({ name, createdAt: daysAgo(30 + i) }));
  const inventory: Inventory = { regions: d.spec.regions, snapshots, disks: [] };
  return { desired: d, inventory, diff: diff(d, inventory, NOW), commit: "abc", nowMs: NOW };
}
const input = (patch: Record<string, unknown> = {}) =>
  caseInput(baseInput, { name: "", patch, deny: [], warn: [] });

/** A small custom policy: deny snapshots of team "db", warn on everything. */
const CUSTOM_POLICY = `package snapgate.deletion

deny contains sprintf("%s: team %s snapshots are kept", [input.snapshot.name, input.snapshot.tags.team]) if {
	input.snapshot.tags.team in data.keptTeams
}

warn contains "custom policy in use" if true
`;

async function loadError(promise: Promise<unknown>): Promise<SnapgateError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SnapgateError);
  expect((err as SnapgateError).code).toBe("PolicyFailed");
  return err as SnapgateError;
}

describe("built-in bundle", () => {
  it("reports its name and a digest of the wasm plus the data actually set", async () => {
    const engine = await loadPolicyBundle({ kind: "builtin" }, { maxDeletions: 5 });
    const wasm = readFileSync(join(BUILTIN_BUNDLE_DIR, "policy.wasm"));
    const shipped = JSON.parse(readFileSync(join(BUILTIN_BUNDLE_DIR, "data.json"), "utf8"));
    const data = { ...shipped, maxDeletions: 5 };
    expect(engine.bundle).toBe("builtin");
    expect(engine.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(engine.digest).toBe(sha256(Buffer.concat([wasm, Buffer.from(canonicalJson(data))])));
  });

  it("changes the digest when the data changes, not when only key order does", async () => {
    const a = await loadPolicyBundle({ kind: "builtin" }, { minAgeDays: 3, maxDeletions: 9 });
    const b = await loadPolicyBundle({ kind: "builtin" }, { maxDeletions: 9, minAgeDays: 3 });
    const c = await loadPolicyBundle({ kind: "builtin" }, { minAgeDays: 4, maxDeletions: 9 });
    const plain = await loadPolicyBundle({ kind: "builtin" }, {});
    expect(a.digest).toBe(b.digest);
    expect(a.digest).not.toBe(c.digest);
    expect(a.digest).not.toBe(plain.digest);
  });

  it("applies spec.policy.data over data.json", async () => {
    const young = input({ snapshot: { ageDays: 3 } });
    const shipped = await loadPolicyBundle({ kind: "builtin" }, {});
    const relaxed = await loadPolicyBundle({ kind: "builtin" }, { minAgeDays: 2 });
    expect((await evaluateOne(shipped, young)).deny).toEqual([
      "eu-west-1/web-1700000000: 3 days old, younger than minAgeDays (7)",
    ]);
    expect(await evaluateOne(relaxed, young)).toEqual({ deny: [], warn: [] });
  });

  it("keeps wasm memory flat over many evaluations", async () => {
    const engine = await loadPolicyBundle({ kind: "builtin" }, {});
    await evaluateOne(engine, input());
    const before = engine.memoryBytes();
    // the whole batch in one worker: one instance, heap reset before every evaluation
    const many = Array.from({ length: 5000 }, (_, i) => input({ snapshot: { ageDays: i % 20 } }));
    expect(await engine.evaluateAll(many)).toHaveLength(5000);
    expect(engine.memoryBytes()).toBe(before);
  });
});

describe("bundles from the repository", () => {
  it("loads a prebuilt bundle.tar.gz and picks snapgate/deletion by name", async () => {
    const repo = makeRepo({
      "policy/src/deletion.rego": CUSTOM_POLICY,
      "policy/src/other.rego": "package other\n\nallow if input.x == 1\n",
      "policy/src/data.json": '{"keptTeams": ["db"]}',
    });
    // other/allow first, so snapgate/deletion is not entrypoint 0
    opaBuild(repo, "policy/src", "policy/bundle.tar.gz", [
      "-e",
      "other/allow",
      "-e",
      "snapgate/deletion",
    ]);
    const engine = await loadPolicyBundle(
      { kind: "path", repoDir: repo, relPath: "policy/bundle.tar.gz" },
      {},
    );
    expect(engine.bundle).toBe("policy/bundle.tar.gz");
    expect(await evaluateOne(engine, input({ snapshot: { tags: { team: "db" } } }))).toEqual({
      deny: ["web-1700000000: team db snapshots are kept"],
      warn: ["custom policy in use"],
    });
    expect(
      (await evaluateOne(engine, input({ snapshot: { tags: { team: "web" } } }))).deny,
    ).toEqual([]);
    const overridden = await loadPolicyBundle(
      { kind: "path", repoDir: repo, relPath: "policy/bundle.tar.gz" },
      { keptTeams: ["web"] },
    );
    expect(
      (await evaluateOne(overridden, input({ snapshot: { tags: { team: "web" } } }))).deny,
    ).toHaveLength(1);
  });

  it("refuses a bundle without the snapgate/deletion entrypoint", async () => {
    const repo = makeRepo({ "p/other.rego": "package other\n\nallow if input.x == 1\n" });
    opaBuild(repo, "p", "bundle.tar.gz", ["-e", "other/allow"]);
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "bundle.tar.gz" }, {}),
    );
    expect(err.message).toContain("no wasm module for entrypoint snapgate/deletion");
    expect(err.message).toContain("other/allow");
  });

  it("refuses a file that is not a bundle", async () => {
    const repo = makeRepo({ "bundle.tar.gz": "not gzip at all" });
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "bundle.tar.gz" }, {}),
    );
    expect(err.message).toContain("not a usable OPA wasm bundle");
  });

  it("compiles a Rego directory at load, leaving out its tests", async () => {
    const repo = makeRepo({
      "policy/deletion.rego": CUSTOM_POLICY,
      "policy/deletion_test.rego":
        "package snapgate.deletion_test\n\ntest_uses_time if time.now_ns() > 0\n",
      "policy/data.json": '{"keptTeams": ["db"]}',
    });
    const engine = await loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "policy" }, {});
    expect(engine.bundle).toBe("policy");
    expect((await evaluateOne(engine, input({ snapshot: { tags: { team: "db" } } }))).deny).toEqual(
      ["web-1700000000: team db snapshots are kept"],
    );
  });

  it("rejects at load a Rego directory calling a built-in wasm lacks (time.now_ns)", async () => {
    const repo = makeRepo({
      "policy/deletion.rego":
        'package snapgate.deletion\n\ndeny contains "too new" if time.now_ns() < 0\n',
    });
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "policy" }, {}),
    );
    expect(err.issues).toEqual([
      expect.objectContaining({
        file: "policy/deletion.rego",
        line: 3,
        message: expect.stringContaining("undefined function time.now_ns"),
      }),
    ]);
  });

  it("says to install opa or commit a bundle when no opa is available", async () => {
    const repo = makeRepo({ "policy/deletion.rego": CUSTOM_POLICY });
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "policy" }, {}, { opaPath: null }),
    );
    expect(err.message).toMatch(/install opa .*commit a bundle/);
  });

  it("refuses paths outside the repository", async () => {
    const repo = makeRepo({ "policy/deletion.rego": CUSTOM_POLICY });
    const outside = makeRepo({ "deletion.rego": CUSTOM_POLICY });
    symlinkSync(outside, join(repo, "escape"));
    for (const relPath of ["../x", "policy/../../x", outside, "escape"]) {
      const err = await loadError(loadPolicyBundle({ kind: "path", repoDir: repo, relPath }, {}));
      expect(err.message, relPath).toContain("must stay inside the repository");
    }
  });

  it("reports a missing path", async () => {
    const repo = makeRepo({});
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "nope" }, {}),
    );
    expect(err.message).toContain("no such file or directory");
  });
});

describe("fail closed", () => {
  async function regoEngine(rego: string, bundleArgs?: string[]) {
    const repo = makeRepo({ "policy/deletion.rego": rego });
    if (!bundleArgs) {
      return loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "policy" }, {});
    }
    // built without the wasm capabilities, as a careless user might
    opaBuild(repo, "policy", "bundle.tar.gz", bundleArgs);
    return loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "bundle.tar.gz" }, {});
  }

  it("denies with the abort message on a rule conflict, and keeps working", async () => {
    const engine = await regoEngine(`package snapgate.deletion

mode := "a" if input.snapshot.tags.conflict == "yes"

mode := "b" if input.snapshot.tags.conflict == "yes"

deny contains "never" if false
`);
    for (let i = 0; i < 3; i++) {
      const verdict = await evaluateOne(engine, input({ snapshot: { tags: { conflict: "yes" } } }));
      expect(verdict.error).toMatch(/deletion.rego:\d+:\d+: .*conflict/);
      expect(verdict.deny).toEqual([`policy error: ${verdict.error}`]);
      expect(await evaluateOne(engine, input())).toEqual({ deny: [], warn: [] });
    }
  });

  it("denies when the policy calls a built-in the SDK lacks", async () => {
    const engine = await regoEngine(
      `package snapgate.deletion

deny contains "hashed" if crypto.sha256(input.snapshot.name) == ""
`,
      ["-e", "snapgate/deletion"],
    );
    const verdict = await evaluateOne(engine, input());
    expect(verdict.error).toContain("not implemented");
    expect(verdict.deny).toEqual([`policy error: ${verdict.error}`]);
  });

  it("denies when the policy runs out of its bounded memory, then recovers it", async () => {
    const engine = await regoEngine(`package snapgate.deletion

deny contains msg if {
	input.snapshot.tags.explode == "yes"
	msg := concat(",", [s | some i in numbers.range(1, 20000000); s := sprintf("%d", [i])])
}
`);
    const small = engine.memoryBytes();
    const verdict = await evaluateOne(engine, input({ snapshot: { tags: { explode: "yes" } } }));
    expect(verdict.error).toMatch(/Maximum memory size exceeded|opa_malloc: failed/);
    expect(verdict.deny).toHaveLength(1);
    // swapped for the spare instance: the grown memory is dropped
    expect(engine.memoryBytes()).toBe(small);
    expect(await evaluateOne(engine, input())).toEqual({ deny: [], warn: [] });
  });

  it("denies when the result is not {deny: string[], warn: string[]}", async () => {
    const notStrings = await regoEngine("package snapgate.deletion\n\ndeny contains 42 if true\n");
    expect((await evaluateOne(notStrings, input())).deny).toEqual([
      "policy error: deny must be a set of strings",
    ]);
    const noDeny = await regoEngine('package snapgate.deletion\n\nwarn contains "w" if true\n');
    expect((await evaluateOne(noDeny, input())).error).toBe("deny must be a set of strings");
  });
});

describe("builtin manifest integrity", () => {
  it("matches the shipped files", () => {
    const manifest = JSON.parse(readFileSync(join(BUILTIN_BUNDLE_DIR, "manifest.json"), "utf8"));
    const wasm = readFileSync(join(BUILTIN_BUNDLE_DIR, "policy.wasm"));
    expect(sha256(wasm)).toBe(`sha256:${manifest.policyWasmSha256}`);
    expect(manifest).toMatchObject({ opaVersion: "1.22.3", entrypoint: "snapgate/deletion" });
  });
});

describe("budget: the policy runs in a worker thread", () => {
  const builtinWasm = () => readFileSync(join(BUILTIN_BUNDLE_DIR, "policy.wasm"));

  it("stops an endless loop at its time budget and blocks every candidate, once each, while the main thread runs", async () => {
    const engine = await createPolicyEngine({
      bundle: "loop.tar.gz",
      wasm: withEndlessLoop(builtinWasm(), ["eval"]),
      data: {},
      budget: { timeMs: 1500, heapMb: 64 },
    });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 20);
    const verdicts = await engine.evaluateAll([input(), input({ snapshot: { name: "b" } })]);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
    expect(verdicts).toHaveLength(2);
    for (const v of verdicts) {
      expect(v.deny).toHaveLength(1);
      expect(v.deny[0]).toMatch(
        /^policy error: the policy did not finish within 1500 ms, its time budget .*every candidate of this plan is blocked$/,
      );
    }
  });

  it("a policy whose results exhaust the worker's JS heap blocks every candidate of the plan, and the next plan runs", async () => {
    // A helper rule is part of the result set the worker parses into JS objects and keeps until
    // the whole batch is done: here about 1 MB of JSON per candidate, under the per-result limit
    // (1 MiB) and built in wasm memory that is reset for every evaluation. So neither the
    // wasm cap nor the result limit stops it; only the V8 heap budget does, once enough
    // candidates' results pile up in the worker (96 MB of strings against 32 MiB).
    const kb = "0123456789".repeat(100);
    const repo = makeRepo({
      "policy/deletion.rego": `package snapgate.deletion

padding := concat("", [kb | some _ in numbers.range(1, 1000)])

kb := "${kb}"

deny contains "never" if false
`,
    });
    const engine = await loadPolicyBundle(
      { kind: "path", repoDir: repo, relPath: "policy" },
      {},
      { budget: { timeMs: 60_000, heapMb: 32 } },
    );
    const guards = { ...spec().guards, maxDeletions: 1000 };
    const names = (n: number) => Array.from({ length: n }, (_, i) => `snap-${i}`);
    const gate = (n: number) =>
      gateBatch(gateInputFor(names(n), { guards }), {
        policy: engine,
        access: () => ({ allowed: true }),
      });

    // A few candidates fit the budget: the policy itself approves them.
    const few = await gate(4);
    expect(few.decisions.map((d) => d.blockedBy)).toEqual([[], [], [], []]);

    const many = await gate(96);
    expect(many.decisions).toHaveLength(96);
    for (const d of many.decisions) {
      expect(d.blockedBy.map((b) => [b.kind, b.message])).toEqual([
        [
          "policy",
          "policy error: the policy ran out of its memory budget (32 MiB of heap) and was stopped; every candidate of this plan is blocked",
        ],
      ]);
    }

    // The worker that ran out was terminated, not reused: the next plan gets a fresh one.
    const after = await gate(4);
    expect(after.decisions.map((d) => d.blockedBy)).toEqual([[], [], [], []]);
  });

  it("a plan large enough to share among workers gets the verdicts one worker gives, in order", async () => {
    const engine = await loadPolicyBundle({ kind: "builtin" }, { maxDeletions: 100_000 });
    // names differ, and so do the verdicts: every message names its snapshot
    const inputs = Array.from({ length: 4_500 }, (_, i) =>
      input({
        snapshot: {
          name: `snap-${i}`,
          state: i % 7 === 0 ? "pending" : "completed",
          tags: i % 5 === 0 ? { "legal-hold": "yes" } : {},
        },
      }),
    );
    const shared = await engine.evaluateAll(inputs);
    const oneWorkerEach: typeof shared = [];
    for (let at = 0; at < inputs.length; at += 1_000)
      oneWorkerEach.push(...(await engine.evaluateAll(inputs.slice(at, at + 1_000))));
    expect(shared).toEqual(oneWorkerEach);
    expect(shared[7]?.deny.join()).toContain("snap-7: state is pending");
    expect(shared[4_495]?.deny.join()).toContain("snap-4495: carries protect tag legal-hold");
    expect(shared[1]?.deny).toEqual([]);
  });

  it("one worker's share out of its budget blocks every candidate of the plan, the other share's too", async () => {
    // only candidates of the second share pile up results (~1 MB each) past a 32 MiB heap
    const kb = "0123456789".repeat(100);
    const repo = makeRepo({
      "policy/deletion.rego": `package snapgate.deletion

padding := concat("", [kb | some _ in numbers.range(1, 1000)]) if startswith(input.snapshot.name, "late-")

kb := "${kb}"

deny contains "never" if false
`,
    });
    const engine = await loadPolicyBundle(
      { kind: "path", repoDir: repo, relPath: "policy" },
      {},
      { budget: { timeMs: 60_000, heapMb: 32 } },
    );
    const inputs = Array.from({ length: 4_000 }, (_, i) =>
      input({ snapshot: { name: i < 3_800 ? `early-${i}` : `late-${i}` } }),
    );
    const verdicts = await engine.evaluateAll(inputs);
    expect(verdicts).toHaveLength(4_000);
    for (const v of [verdicts[0], verdicts[1_999], verdicts[3_999]])
      expect(v?.deny).toEqual([
        "policy error: the policy ran out of its memory budget (32 MiB of heap) and was stopped; every candidate of this plan is blocked",
      ]);
    expect(new Set(verdicts.map((v) => v.deny.join()))).toHaveProperty("size", 1);
  });

  it("a policy that traps in every evaluation gives each candidate one policy error, not two", async () => {
    const repo = makeRepo({
      "policy/deletion.rego": `package snapgate.deletion

mode := "a" if true

mode := "b" if true

deny contains mode if true
`,
    });
    const engine = await loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "policy" }, {});
    const { decisions } = await gateBatch(gateInputFor(["x", "y"]), {
      policy: engine,
      access: () => ({ allowed: true }),
    });
    for (const d of decisions) {
      expect(d.blockedBy.filter((b) => b.kind === "policy").map((b) => b.message)).toEqual([
        expect.stringMatching(/^policy error: .*conflict/),
      ]);
    }
  });

  it("refuses SNAPGATE_POLICY_TIMEOUT that is not a duration, and reads one that is", () => {
    expect(policyBudgetFromEnv({})).toEqual(DEFAULT_POLICY_BUDGET);
    expect(policyBudgetFromEnv({ SNAPGATE_POLICY_TIMEOUT: "2s" })).toMatchObject({ timeMs: 2000 });
    expect(policyBudgetFromEnv({ SNAPGATE_POLICY_TIMEOUT: "250ms" })).toMatchObject({
      timeMs: 250,
    });
    for (const bad of ["forever", "0s", "10", "-1s", "1.5s"]) {
      expect(policyBudgetFromEnv({ SNAPGATE_POLICY_TIMEOUT: bad }), bad).toHaveProperty("error");
    }
  });
});

/** A .tar.gz of the given files (path → bytes), as a hostile committer would pack it. */
async function tarGz(files: Record<string, Uint8Array | string>): Promise<Buffer> {
  const packer = pack();
  for (const [name, body] of Object.entries(files)) packer.entry({ name }, Buffer.from(body));
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

describe("bundle data paths never reach a prototype", () => {
  const wasm = () => readFileSync(join(BUILTIN_BUNDLE_DIR, "policy.wasm"));

  it.each([
    ["__proto__/pwned/data.json", '{"x": 1}', '"__proto__"'],
    ["constructor/prototype/data.json", '{"pwned": true}', '"constructor"'],
    ["a/prototype/data.json", '{"pwned": true}', '"prototype"'],
    ["data.json", '{"__proto__": {"pwned": true}}', 'the key "__proto__"'],
    ["limits/data.json", '{"deep": {"__proto__": {"pwned": true}}}', "at deep.__proto__"],
  ])("refuses %s and pollutes nothing", async (path, json, why) => {
    const repo = makeRepo({});
    writeFileSync(
      join(repo, "bundle.tar.gz"),
      await tarGz({ "policy.wasm": wasm(), [path]: json }),
    );
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "bundle.tar.gz" }, {}),
    );
    expect(err.message).toContain("not a usable OPA wasm bundle");
    expect(err.message).toContain(why);
    expect(({} as Record<string, unknown>).pwned).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("pwned");
  });

  it("says when a bundle inflates past the limit, instead of calling it not gzip", async () => {
    const repo = makeRepo({});
    // 80 MiB of zeros gzip to ~80 KiB
    writeFileSync(join(repo, "bomb.tar.gz"), gzipSync(Buffer.alloc(80 * 1024 * 1024)));
    const err = await loadError(
      loadPolicyBundle({ kind: "path", repoDir: repo, relPath: "bomb.tar.gz" }, {}),
    );
    expect(err.message).toMatch(/inflates to more than 64 MiB/);
    expect(err.message).not.toContain("not a gzip file");
  });
});
