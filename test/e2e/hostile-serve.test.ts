/**
 * Hostile repositories against a running `serve` (the built CLI): a committer's policy that
 * loops forever, and a bundle that tries to pollute Object.prototype. serve keeps answering
 * /healthz while the attack runs, blocks or refuses the plan with a clear reason, deletes
 * nothing, and stops on SIGTERM.
 */
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { afterEach, describe, expect, it } from "vitest";
import { withEndlessLoop } from "../helpers/wasm-patch.js";
import {
  makeServeWorld,
  reconcileRecords,
  reconcilerYaml,
  type ServeProcess,
  type ServeWorld,
  snapshotSetYaml,
  waitUntil,
} from "./serve-world.js";

const BUILTIN = path.resolve(import.meta.dirname, "../../policies/bundle");
const WEB = ["web-1", "web-old", "web-older"];

let world: ServeWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function tarGz(files: Record<string, Uint8Array | string>): Promise<Buffer> {
  const packer = pack();
  for (const [name, body] of Object.entries(files)) packer.entry({ name }, Buffer.from(body));
  packer.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of packer) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** A world whose desired state deletes web-old and web-older with `bundle` as the policy. */
async function worldWithBundle(bundle: Buffer): Promise<ServeWorld> {
  const yaml = reconcilerYaml().replace("bundle: builtin", "bundle: policies/bundle.tar.gz");
  const w = await makeServeWorld({
    snapshots: WEB,
    files: { "snapgate.yaml": reconcilerYaml(), "snapshots/web.yaml": snapshotSetYaml(WEB) },
  });
  await mkdir(path.join(w.work, "policies"), { recursive: true });
  await writeFile(path.join(w.work, "policies", "bundle.tar.gz"), bundle);
  await w.commitAndPush(
    { "snapgate.yaml": yaml, "snapshots/web.yaml": snapshotSetYaml(["web-1"]) },
    { message: "a hostile policy" },
  );
  return w;
}

/** /healthz with a generous client timeout: true when it answered 200. */
async function healthy(serve: ServeProcess): Promise<boolean> {
  try {
    const res = await fetch(`${serve.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

describe("serve under a hostile repository", () => {
  it("a wasm policy with an endless loop: healthz answers during it, every candidate is blocked, SIGTERM stops serve", async () => {
    const wasm = await readFile(path.join(BUILTIN, "policy.wasm"));
    const data = await readFile(path.join(BUILTIN, "data.json"));
    world = await worldWithBundle(
      await tarGz({ "policy.wasm": withEndlessLoop(wasm, ["eval"]), "data.json": data }),
    );
    const serve = await world.startServe(["--interval", "0"], { SNAPGATE_POLICY_TIMEOUT: "6s" });

    // while the start-up reconcile is stuck in the policy, the daemon still answers
    let answeredDuring = 0;
    for (;;) {
      const ok = await healthy(serve);
      const status = await serve.status();
      if (status.reconciles >= 1) break;
      expect(ok).toBe(true);
      answeredDuring++;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(answeredDuring).toBeGreaterThan(0);

    const [record] = reconcileRecords(await world.auditRecords());
    // every candidate blocked: nothing left to delete
    expect(record).toMatchObject({ applied: false, reason: "NothingToDelete" });
    const blocked = (await world.auditRecords()).filter((r) =>
      JSON.stringify(r).includes("policy error: the policy did not finish within 6 s"),
    );
    expect(blocked.length).toBeGreaterThanOrEqual(2);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    expect(await healthy(serve)).toBe(true);

    serve.child.kill("SIGTERM");
    expect(await serve.exited).toEqual({ code: 0, signal: null });

    // SIGTERM while the restarted daemon's reconcile is inside the looping policy stops it too:
    // the policy is stopped at once (with a 10-minute budget, waiting for it would time the test out)
    const again = await world.startServe(["--interval", "0"], {
      SNAPGATE_POLICY_TIMEOUT: "10m",
      SNAPGATE_LOG_LEVEL: "debug",
    });
    // the step after diff is the gate, where the policy runs
    await waitUntil("the restart's reconcile to reach the gate", async () =>
      /"step":"diff"/.test(again.stderr()),
    );
    expect(await healthy(again)).toBe(true);
    again.child.kill("SIGTERM");
    expect(await again.exited).toEqual({ code: 0, signal: null });
  });

  it("a bundle holding __proto__/pwned/data.json: refused unsigned under --verify-commits before it is read, refused as a bundle without; serve stays up", async () => {
    const wasm = await readFile(path.join(BUILTIN, "policy.wasm"));
    world = await worldWithBundle(
      await tarGz({ "policy.wasm": wasm, "__proto__/pwned/data.json": '{"x": 1}' }),
    );
    const keyring = await mkdtemp(path.join(tmpdir(), "snapgate-keyring-"));

    const verifying = await world.startServe([
      "--interval",
      "0",
      "--verify-commits",
      "--keyring-dir",
      keyring,
    ]);
    await waitUntil(
      "the start-up reconcile",
      async () => (await verifying.status()).reconciles >= 1,
    );
    const [refused] = reconcileRecords(await world.auditRecords());
    expect(refused).toMatchObject({ ok: false, reason: "SignatureInvalid", step: "verify-commit" });
    expect(String(refused?.error)).toContain("commit signature");
    expect(await healthy(verifying)).toBe(true);
    verifying.child.kill("SIGTERM");
    expect(await verifying.exited).toEqual({ code: 0, signal: null });

    const plain = await world.startServe(["--interval", "0"]);
    await waitUntil("the start-up reconcile", async () => (await plain.status()).reconciles >= 1);
    const failed = reconcileRecords(await world.auditRecords())[1];
    expect(failed).toMatchObject({ ok: false, reason: "PolicyFailed", step: "load-policy" });
    expect(String(failed?.error)).toContain('may not contain the segment "__proto__"');
    // the crash of issue 17 came from prom-client reading a polluted prototype
    expect((await fetch(`${plain.url}/metrics`)).status).toBe(200);
    expect(await healthy(plain)).toBe(true);
    expect(world.emulator.deletedSnapshots()).toEqual([]);
    plain.child.kill("SIGTERM");
    expect(await plain.exited).toEqual({ code: 0, signal: null });
  });
});
