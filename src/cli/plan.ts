/** `snapgate plan`: dry run — desired vs live, guards, policies, access checks; never deletes. */
import { appendFile } from "node:fs/promises";
import type { Command } from "commander";
import { openState } from "../apply/open-state.js";
import { recordInventory } from "../audit-log/inventory-events.js";
import { recordPlan } from "../audit-log/plan-events.js";
import { writeFileAtomic } from "../core/atomic-write.js";
import { messageOf, refused, SnapgateError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { referencedPaths } from "../desired/index.js";
import { lightsailClientFactory } from "../lightsail/client.js";
import { serializePlan } from "../plan/build.js";
import { PLAN_FORMATS, type PlanFormat, renderPlan } from "../plan/render.js";
import { renderMarkdown } from "../plan/render-markdown.js";
import { makePlan } from "../reconcile/plan-pipeline.js";
import { isRemoteUrl, workingTreeDifferences, workingTreeWarning } from "../source/index.js";
import { EXIT } from "./exit-codes.js";
import { listingProgress } from "./listing-progress.js";
import { cacheDirFor, clockNow, oneOf, withLightsailOptions, withStateOptions } from "./options.js";
import { printWarning } from "./warnings.js";

interface PlanFlags {
  repo: string;
  ref?: string;
  base?: string;
  out?: string;
  format: PlanFormat;
  detailedExitcode?: boolean;
  showKept?: boolean;
  githubStepSummary?: boolean;
  endpointUrl?: string;
  cacheDir?: string;
  state?: string;
  stateDir?: string;
  auditLog?: string;
}

export function registerPlanCommand(program: Command): void {
  withStateOptions(
    withLightsailOptions(
      program
        .command("plan")
        .description("dry run: show what would be deleted and why; never deletes")
        .requiredOption(
          "--repo <path-or-url>",
          "desired-state git repository (local path or git URL)",
        )
        .option("--ref <ref>", "branch, tag or commit (default: the repository's default branch)")
        .option(
          "--base <ref>",
          "PR mode: show which deletions this change introduces relative to <ref>",
        )
        .option("--out <file>", "write the plan file (JSON) for `snapgate apply`")
        .option(
          "--format <format>",
          "text | markdown | json | github",
          oneOf("--format", PLAN_FORMATS),
          "text",
        )
        .option(
          "--detailed-exitcode",
          "exit 2 when deletions are pending or keep names are not live",
        )
        .option("--show-kept", "text: list every kept snapshot with its reasons")
        .option("--github-step-summary", "also append the markdown plan to $GITHUB_STEP_SUMMARY")
        .option("--cache-dir <dir>", "git cache directory"),
    ),
  ).action(async (flags: PlanFlags) => {
    const listing = listingProgress(Boolean(process.stderr.isTTY));
    // Before any Lightsail call: the plan is recorded there, so a bad location fails first.
    const { audit } = await openState(flags);
    const outcome = await makePlan({
      repo: flags.repo,
      ref: flags.ref,
      base: flags.base,
      cacheDir: cacheDirFor(flags),
      clients: lightsailClientFactory({ endpoint: flags.endpointUrl }),
      nowMs: clockNow(),
      log: createLogger(),
      onWarning: printWarning,
      onListProgress: listing.update,
    }).finally(() => listing.finish());
    const { plan, warnings } = outcome;
    await warnAboutWorkingTree(flags.repo, outcome);
    await recordPlan(audit, plan, { trigger: { kind: "cli" } });
    // What this plan saw in scope: the next audit finds snapshots deleted outside snapgate.
    await recordInventory(audit, "plan", plan.regions, outcome.diff.inScope, {
      planDigest: plan.digest,
    });
    if (flags.out) {
      const out = flags.out;
      await writeFileAtomic(out, serializePlan(plan)).catch((err: unknown) => {
        throw new SnapgateError(
          "BadInput",
          `--out ${out}: cannot write the plan file: ${messageOf(err)}`,
        );
      });
    }
    if (flags.githubStepSummary) {
      const summaryFile = process.env.GITHUB_STEP_SUMMARY;
      if (!summaryFile) throw refused("--github-step-summary: GITHUB_STEP_SUMMARY is not set");
      await appendFile(summaryFile, renderMarkdown(plan, { planFile: flags.out, warnings }));
    }
    const output = renderPlan(plan, flags.format, {
      color: Boolean(process.stdout.isTTY),
      planFile: flags.out,
      warnings,
      showKept: flags.showKept,
    });
    process.stdout.write(output);
    // A `keep` name that is not live is a change to look at too: often a typo whose
    // snapshot the near-miss guard now blocks.
    const pending = plan.summary.deletions > 0 || plan.summary.missing > 0;
    process.exitCode = flags.detailedExitcode && pending ? EXIT.pending : EXIT.ok;
  });
}

/** Files `plan` reads from the desired-state repository (pathspecs, taken literally). */
function desiredStatePaths(outcome: Awaited<ReturnType<typeof makePlan>>): string[] {
  const { bundle, iamPolicy } = referencedPaths(outcome.desired.spec);
  const paths = ["snapgate.yaml", "snapgate.yml", "snapshots", bundle, iamPolicy];
  return paths.filter((p): p is string => p !== undefined).map((p) => `:(literal)${p}`);
}

/**
 * `plan --repo <path>` reads a committed ref, not the files on disk: say so when
 * they differ under the desired-state paths (uncommitted edits, untracked files).
 */
async function warnAboutWorkingTree(
  repo: string,
  outcome: Awaited<ReturnType<typeof makePlan>>,
): Promise<void> {
  if (isRemoteUrl(repo)) return;
  const { ref, commit } = outcome.checkout;
  const differences = await workingTreeDifferences(repo, commit, desiredStatePaths(outcome));
  const warning = workingTreeWarning(repo, ref, commit, differences);
  if (warning !== null) printWarning(warning);
}
