/** `snapgate apply <plan.json>`: executes exactly the approved deletions of a saved plan. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { ApplyResult } from "../apply/execute.js";
import { openState } from "../apply/open-state.js";
import { messageOf, reasonOf, refused } from "../core/errors.js";
import type { Plan } from "../core/model.js";
import { outcomeKindOf, REASON_CODES } from "../core/outcome.js";
import { applyClientFactory } from "../lightsail/client.js";
import { stsIdentityProbe } from "../lightsail/sts.js";
import { reconcileEvents } from "../notify/index.js";
import { readPlanFile } from "../plan/plan-file.js";
import { runApply } from "../reconcile/apply-plan.js";
import { redactUrl } from "../source/index.js";
import { ApplyProgress, resumeCommand } from "./apply-progress.js";
import { EXIT } from "./exit-codes.js";
import {
  flagTargets,
  type NotifyFlags,
  notifyAndWait,
  repoTargetsAt,
  withNotifyOptions,
} from "./notify-options.js";
import {
  cacheDirFor,
  clockNow,
  oneOf,
  positiveInt,
  positiveNumber,
  withLightsailOptions,
  withStateOptions,
} from "./options.js";

interface ApplyFlags extends NotifyFlags {
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
      withNotifyOptions(program.command("apply"), true)
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
    const cacheDir = cacheDirFor(flags);
    // Checked before anything is deleted: a bad --notify-* option is bad input.
    const notifyFlags = flags.notify ? flagTargets(flags, process.env) : undefined;
    const notify = async (report: Parameters<typeof reconcileEvents>[0]) => {
      if (!notifyFlags) return;
      const events = reconcileEvents(report, {
        repo: repo !== undefined ? redactUrl(repo) : plan.source.repo,
        ref: plan.source.ref,
        trigger: "cli",
      });
      // A refused plan's commit may be anybody's: its spec.notifications must not choose where
      // snapgate posts, or which host secret signs it. Only the command line's targets are told.
      const trusted = report.outcome?.reason === undefined || !isRefusal(report.outcome.reason);
      if (!trusted)
        process.stderr.write(
          "warning: notifications: the apply was refused, so the plan's commit is not trusted to name targets; only command-line targets are notified\n",
        );
      const repoTargets = trusted ? await repoTargetsAt(repo, plan.source.commit, cacheDir) : [];
      await notifyAndWait(events, { flags: notifyFlags, repo: repoTargets }, audit);
    };
    const progress = new ApplyProgress({
      enabled: flags.format === "text",
      tty: Boolean(process.stderr.isTTY),
      write: (t) => process.stderr.write(t),
      now: () => performance.now(),
      total: plan.deletions.length,
    });
    const interrupt = onInterrupt(progress, resumeCommand(process.argv.slice(2)));
    let result: ApplyResult;
    try {
      result = await runApply({
        plan,
        clients: applyClientFactory({ endpoint: flags.endpointUrl }),
        audit,
        store,
        lockOptions,
        cacheDir,
        nowMs: clockNow(),
        concurrency: flags.concurrency,
        rate: flags.rate,
        requireBranch: flags.requireBranch,
        repo,
        identity: stsIdentityProbe({ endpoint: flags.endpointUrl }),
        confirm: flags.autoApprove ? undefined : confirmOnTty,
        onItem: progress.onItem,
        onStart: progress.onStart,
        trigger: { kind: "cli", planFile: file },
        signal: interrupt.signal,
      });
    } catch (err) {
      // A refused or failed apply is news too; the error still decides the exit code.
      await notify({
        commit: plan.source.commit,
        ok: false,
        error: messageOf(err),
        outcome: { reason: reasonOf(err) },
      });
      throw err;
    } finally {
      interrupt.dispose();
    }
    progress.finish();
    // Every item was already streamed as a line on stderr: print only the summary.
    process.stdout.write(
      flags.format === "json"
        ? `${JSON.stringify(result, null, 2)}\n`
        : renderResult(result, false),
    );
    if (plan.deletions.length > 0) {
      await notify({
        commit: plan.source.commit,
        ok: result.aborted === undefined,
        ...(result.aborted !== undefined ? { error: result.aborted } : {}),
        planDigest: plan.digest,
        applyCounts: result.counts,
      });
    }
    if (interrupt.received) {
      process.stderr.write(interrupt.report(true));
      process.exitCode = interruptedExit(interrupt.received);
      return;
    }
    if (result.aborted)
      throw refused(
        `apply stopped early: ${result.aborted}; fix it and run the same command again to resume`,
      );
    const c = result.counts;
    process.exitCode = c.failed + c.skipped + c.denied > 0 ? EXIT.partial : EXIT.ok;
  });
}

/**
 * SIGINT/SIGTERM during apply. Before any deletion started: report and exit at once (nothing
 * is in flight). After: the first signal stops starting deletions and lets those in flight
 * finish (their results are journaled), then the summary; a second one exits at once, naming
 * what was still in flight. Either way the journal lets the same command resume.
 */
function onInterrupt(progress: ApplyProgress, resume: string) {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const report = (waited: boolean) =>
    progress.interruptReport({ signal: received ?? "a signal", resume, waited });
  const handler = (signal: NodeJS.Signals) => {
    const first = received === undefined;
    received ??= signal;
    if (first && progress.started) {
      controller.abort();
      process.stderr.write(
        `\n${signal}: starting no further deletions; waiting for the ${progress.inFlightCount} in flight (press Ctrl-C again to stop at once)\n`,
      );
      return;
    }
    progress.finish();
    process.stderr.write(report(false));
    process.exit(interruptedExit(signal));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    report,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

/** 128 + the signal's number, as a shell reports a process the signal ended: 130, 143. */
function interruptedExit(signal: NodeJS.Signals): number {
  return signal === "SIGTERM" ? EXIT.terminated : EXIT.interrupted;
}

/** `repo@commit (ref R, base B)`: what the plan was made from, as the operator named it. */
export function describeSource(source: Plan["source"]): string {
  const base = source.base ? `, base ${source.base.slice(0, 12)}` : "";
  return `${source.repo}@${source.commit.slice(0, 12)} (ref ${source.ref}${base})`;
}

/** aws-nuke style: the user types the account id to go ahead. */
async function confirmOnTty(plan: Plan, source: Plan["source"]): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  // A raw terminal turns Ctrl-C into a keypress: hand it on as the signal apply handles.
  rl.on("SIGINT", () => process.kill(process.pid, "SIGINT"));
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

function isRefusal(reason: string): boolean {
  const code = REASON_CODES.find((c) => c === reason);
  return code !== undefined && outcomeKindOf(code) === "refused";
}
