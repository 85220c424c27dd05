/** `snapgate apply <plan.json>`: executes exactly the approved deletions of a saved plan. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { ApplyItem, ApplyResult } from "../apply/execute.js";
import { refused } from "../core/errors.js";
import type { Plan } from "../core/model.js";
import { lightsailClientFactory } from "../lightsail/client.js";
import { stsIdentityProbe } from "../lightsail/sts.js";
import { readPlanFile } from "../plan/plan-file.js";
import { runApply } from "../reconcile/apply-plan.js";
import { EXIT } from "./exit-codes.js";
import {
  cacheDirFor,
  clockNow,
  oneOf,
  positiveInt,
  positiveNumber,
  withLightsailOptions,
  withStateOptions,
} from "./options.js";
import { openState } from "./state.js";

interface ApplyFlags {
  autoApprove?: boolean;
  concurrency: number;
  rate: number;
  format: "text" | "json";
  requireBranch?: string;
  repo?: string;
  endpointUrl?: string;
  state?: string;
  stateDir?: string;
  auditLog?: string;
  cacheDir?: string;
}

export function registerApplyCommand(program: Command): void {
  withStateOptions(
    withLightsailOptions(
      program
        .command("apply")
        .description("execute exactly the approved deletions of a saved plan")
        .argument("<plan>", "plan file written by `snapgate plan --out`")
        .option("--auto-approve", "do not ask for confirmation (required without a TTY)")
        .option("--concurrency <n>", "deletions in flight at once", positiveInt("--concurrency"), 4)
        .option(
          "--rate <n>",
          "Lightsail requests per second (adapts down on throttling)",
          positiveNumber("--rate"),
          10,
        )
        .option(
          "--format <format>",
          "text | json",
          oneOf("--format", ["text", "json"] as const),
          "text",
        )
        .option(
          "--require-branch <branch>",
          "refuse unless the plan's commit is the current tip of <branch>",
        )
        .option(
          "--repo <url|path>",
          "the repository the plan must come from (env SNAPGATE_REPO); required: the plan file's own is not trusted",
        )
        .option("--cache-dir <dir>", "git cache directory"),
    ),
  ).action(async (file: string, flags: ApplyFlags) => {
    const plan = await readPlanFile(file);
    const repo = flags.repo ?? process.env.SNAPGATE_REPO;
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    if (!flags.autoApprove && !interactive) {
      throw refused("no TTY to confirm on: pass --auto-approve to apply without confirmation");
    }
    // Before any Lightsail call: a bad state location is an error naming it.
    const { store, audit, lockOptions } = await openState(flags);
    const progress = progressReporter(flags.format === "text", Boolean(process.stderr.isTTY));
    const result = await runApply({
      plan,
      clients: lightsailClientFactory({ endpoint: flags.endpointUrl, maxAttempts: 1 }),
      audit,
      store,
      lockOptions,
      cacheDir: cacheDirFor(flags),
      nowMs: clockNow(),
      concurrency: flags.concurrency,
      rate: flags.rate,
      requireBranch: flags.requireBranch,
      repo,
      identity: stsIdentityProbe({ endpoint: flags.endpointUrl }),
      confirm: flags.autoApprove ? undefined : confirmOnTty,
      onItem: progress.onItem,
      trigger: { kind: "cli", planFile: file },
    });
    progress.finish();
    // Without a TTY every item was already streamed as a line: print only the summary.
    const listItems = Boolean(process.stderr.isTTY);
    process.stdout.write(
      flags.format === "json"
        ? `${JSON.stringify(result, null, 2)}\n`
        : renderResult(result, listItems),
    );
    if (result.aborted)
      throw refused(
        `apply stopped early: ${result.aborted}; fix it and run the same command again to resume`,
      );
    const c = result.counts;
    process.exitCode = c.failed + c.skipped + c.denied > 0 ? EXIT.partial : EXIT.ok;
  });
}

/** `repo@commit (ref R, base B)`: what the plan was made from, as the operator named it. */
export function describeSource(source: Plan["source"]): string {
  const base = source.base ? `, base ${source.base.slice(0, 12)}` : "";
  return `${source.repo}@${source.commit.slice(0, 12)} (ref ${source.ref}${base})`;
}

/** aws-nuke style: the user types the account id to go ahead. */
async function confirmOnTty(plan: Plan, source: Plan["source"]): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    process.stdout.write(
      `About to delete ${plan.deletions.length} snapshot(s) in account ${plan.account} (${plan.regions.join(", ")}), plan ${plan.digest.slice(0, 19)}…\n` +
        `from ${describeSource(source)}\n`,
    );
    const answer = await rl.question(`Type the account id (${plan.account}) to continue: `);
    return answer.trim() === plan.account;
  } finally {
    rl.close();
  }
}

function progressReporter(enabled: boolean, tty: boolean) {
  const start = performance.now();
  let failures = 0;
  return {
    onItem(item: ApplyItem, done: number, total: number) {
      if (!enabled) return;
      if (item.outcome === "failed" || item.outcome === "denied") failures++;
      if (tty) {
        const secs = (performance.now() - start) / 1000;
        const rate = done / Math.max(secs, 0.001);
        const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
        process.stderr.write(
          `\r\u001b[2K${done}/${total} · ${rate.toFixed(1)}/s · ETA ${eta}s · ${failures} failed`,
        );
      } else {
        process.stderr.write(
          `${item.outcome.padEnd(8)} ${item.region}/${item.name}: ${item.detail}\n`,
        );
      }
    },
    finish() {
      if (enabled && tty) process.stderr.write("\n");
    },
  };
}

export function renderResult(r: ApplyResult, listItems = true): string {
  const lines = listItems
    ? r.items.map((i) => `  ${i.outcome.padEnd(8)} ${i.region.padEnd(15)} ${i.name}  ${i.detail}`)
    : [];
  const c = r.counts;
  if (r.settled && r.settled.length > 0) {
    lines.push(
      "",
      `Settled ${r.settled.length} delete(s) a crash interrupted under an earlier plan (recorded in its journal and the audit log):`,
      ...r.settled.map((s) => `  ${s.outcome.padEnd(8)} ${s.region.padEnd(15)} ${s.name}`),
    );
  }
  lines.push(
    "",
    ...(r.source
      ? [`Applied ${describeSource(r.source)}, plan ${r.planDigest.slice(0, 19)}…`]
      : []),
    `Apply: ${c.deleted} deleted, ${c.absent} already absent, ${c.skipped} skipped, ${c.denied} denied, ${c.failed} failed${r.throttled ? ` (${r.throttled} throttled requests absorbed)` : ""}.`,
  );
  return `${lines.join("\n")}\n`;
}
