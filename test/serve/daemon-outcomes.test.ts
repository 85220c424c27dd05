/**
 * The daemon acts on a reconcile's typed outcome: a transient failure is
 * retried soon (with backoff), a terminal one waits for the branch to move,
 * and /metrics and /status carry the reason code.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ReconcileResult, ReconcileTrigger } from "../../src/reconcile/types.js";
import { type RunningDaemon, runDaemon } from "../../src/serve/daemon.js";
import { HEAD, REPO, SECRET, silentLog } from "./helpers.js";

let daemon: RunningDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

const base = { port: 0, secrets: [SECRET], repo: REPO, branch: "main", log: silentLog() };

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never happened: ${what}`);
}

describe("the daemon acts on typed outcomes", () => {
  it("retries a transient failure soon, then counts the outcome by reason", async () => {
    const triggers: ReconcileTrigger[] = [];
    const reconcile = async (t: ReconcileTrigger): Promise<ReconcileResult> => {
      triggers.push(t);
      if (triggers.length < 3)
        return {
          commit: null,
          ok: false,
          error: "throttled",
          outcome: { kind: "failed", reason: "ListLiveFailed", step: "list-live", steps: [] },
        };
      return {
        commit: HEAD,
        ok: true,
        outcome: { kind: "planned", reason: "NothingToDelete", steps: [] },
      };
    };
    daemon = await runDaemon({ ...base, interval: 0, reconcile, retryBaseMs: 1 });
    await until("two retries", () => triggers.length >= 3);
    await daemon.idle();
    expect(triggers.map((t) => t.kind)).toEqual(["start", "retry", "retry"]);
    expect(triggers[2]).toMatchObject({ kind: "retry", attempt: 2 });
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(
      /^snapgate_reconcile_outcomes_total\{result="failed",reason="ListLiveFailed"\} 2$/m,
    );
    expect(metrics).toMatch(
      /^snapgate_reconcile_outcomes_total\{result="planned",reason="NothingToDelete"\} 1$/m,
    );
    const status = (await (await fetch(`${daemon.url}/status`)).json()) as {
      lastResult: { outcome: unknown };
    };
    expect(status.lastResult.outcome).toEqual({ kind: "planned", reason: "NothingToDelete" });
  });

  it("does not re-reconcile a commit that failed terminally until the branch moves", async () => {
    let head = HEAD;
    const triggers: ReconcileTrigger[] = [];
    const reconcile = async (t: ReconcileTrigger): Promise<ReconcileResult> => {
      triggers.push(t);
      return {
        commit: head,
        ok: false,
        error: "snapshots/web.yaml:3:1: bad",
        outcome: { kind: "failed", reason: "BadInput", step: "load-desired", steps: [] },
      };
    };
    let polls = 0;
    daemon = await runDaemon({
      ...base,
      interval: 1_000,
      random: () => 0.5,
      retryBaseMs: 1,
      resolveHead: async () => {
        polls += 1;
        return head;
      },
      reconcile,
    });
    await daemon.idle();
    // Polls of the same head trigger nothing: the failure is terminal for this commit.
    await until("two polls", () => polls >= 2);
    await daemon.idle();
    expect(triggers.map((t) => t.kind)).toEqual(["start"]);
    head = "b".repeat(40);
    await until("a poll of the moved head", () => triggers.length >= 2);
    expect(triggers[1]).toMatchObject({ kind: "poll", commit: head });
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toMatch(/^snapgate_reconciles_total\{result="failed"\} [12]$/m);
    expect(metrics).toMatch(/^snapgate_reconciles_total\{result="refused"\} 0$/m);
  });
});
