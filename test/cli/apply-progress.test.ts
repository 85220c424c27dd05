/** apply's progress: rate and ETA from this run's items only, on a fake clock. */
import { describe, expect, it } from "vitest";
import type { ApplyItem } from "../../src/apply/execute.js";
import { ApplyProgress, resumeCommand, shellQuote } from "../../src/cli/apply-progress.js";
import type { PlanDeletion } from "../../src/core/model.js";

const deletion = (i: number) =>
  ({ region: "us-east-1", name: `snap-${i}`, arn: `arn:${i}` }) as unknown as PlanDeletion;
const item = (i: number): ApplyItem => ({
  region: "us-east-1",
  name: `snap-${i}`,
  outcome: "deleted",
  detail: "deleted",
  operations: [],
});

function progress(total: number) {
  let now = 0;
  let out = "";
  const p = new ApplyProgress({
    enabled: true,
    tty: true,
    write: (t) => (out += t),
    now: () => now,
    total,
  });
  return { p, tick: (ms: number) => (now += ms), out: () => out };
}

describe("apply progress", () => {
  it("does not count items replayed from the journal in the rate or the ETA", () => {
    const { p, tick } = progress(100);
    // 45 results read back from an earlier run's journal, reported at once
    for (let i = 0; i < 45; i++) p.onItem(item(i), i + 1, 100, true);
    expect(p.progressLine()).toBe("45/100 (45 from an earlier run) · ETA – · 0 failed");
    p.onStart(deletion(45));
    tick(1000);
    p.onItem(item(45), 46, 100, false);
    // 1 item in 1 s → 1/s, 54 left → 54 s (counting the 45 replays would claim 46/s, ETA 2 s)
    expect(p.progressLine()).toBe("46/100 (45 from an earlier run) · 1.0/s · ETA 54s · 0 failed");
  });

  it("streams one line per item on a TTY, above the redrawn progress line", () => {
    const { p, tick, out } = progress(2);
    p.onStart(deletion(0));
    tick(500);
    p.onItem(item(0), 1, 2, false);
    expect(out()).toBe("deleted  us-east-1/snap-0: deleted\n1/2 · 2.0/s · ETA 1s · 0 failed");
    p.onStart(deletion(1));
    tick(500);
    p.onItem(item(1), 2, 2, false);
    expect(out()).toContain("\r\u001b[2Kdeleted  us-east-1/snap-1: deleted\n2/2 · 2.0/s · ETA 0s");
  });

  it("an interrupt report names what was done, what is in flight and the resume command", () => {
    const { p } = progress(3);
    p.onStart(deletion(0));
    p.onStart(deletion(1));
    p.onItem(item(0), 1, 3, false);
    const text = p.interruptReport({
      signal: "SIGINT",
      resume: resumeCommand(["apply", "plan.json", "--repo", "/tmp/my repo"]),
      waited: false,
    });
    expect(text).toContain("apply interrupted by SIGINT");
    expect(text).toContain("done: 1 of 3 planned deletion(s) — 1 deleted");
    expect(text).toContain("in flight: 1");
    expect(text).toContain("    us-east-1/snap-1");
    expect(text).toContain("not started: 1");
    expect(text).toContain("resume with: snapgate apply plan.json --repo '/tmp/my repo'");
  });

  it("quotes for a POSIX shell only what needs it", () => {
    expect(shellQuote("plan.json")).toBe("plan.json");
    expect(shellQuote("git@github.com:acme/x.git")).toBe("git@github.com:acme/x.git");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
