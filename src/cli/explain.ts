/**
 * `snapgate explain <region>/<snapshot>`: why one snapshot is kept, proposed for deletion,
 * blocked or out of scope, from the very plan `snapgate plan` makes. Never deletes, writes
 * no plan file and no audit record: it only reads git and Lightsail.
 */
import type { Command } from "commander";
import { SnapgateError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { lightsailClientFactory } from "../lightsail/client.js";
import { explainSnapshot, parseExplainTarget } from "../reconcile/explain.js";
import { renderExplanation } from "../reconcile/explain-render.js";
import { makePlan } from "../reconcile/plan-pipeline.js";
import { EXIT } from "./exit-codes.js";
import { cacheDirFor, clockNow, withLightsailOptions } from "./options.js";
import { printWarning } from "./warnings.js";

interface ExplainFlags {
  repo: string;
  ref?: string;
  json?: boolean;
  endpointUrl?: string;
  cacheDir?: string;
  stateDir?: string;
}

export function registerExplainCommand(program: Command): void {
  withLightsailOptions(
    program
      .command("explain")
      .description(
        "why one snapshot is kept, proposed for deletion or blocked: every reason and verdict",
      )
      .argument("<region/snapshot>", "the snapshot, e.g. us-east-1/web-data-2026-11-30")
      .requiredOption("--repo <path-or-url>", "desired-state git repository")
      .option("--ref <ref>", "branch, tag or commit (default: the repository's default branch)")
      .option("--json", "print the explanation as JSON")
      .option("--state-dir <dir>", "state directory (env SNAPGATE_STATE_DIR): its git cache")
      .option("--cache-dir <dir>", "git cache directory"),
  ).action(async (what: string, flags: ExplainFlags) => {
    const target = parseExplainTarget(what);
    if (!target) {
      throw new SnapgateError(
        "BadInput",
        `explain: "${what}" is not <region>/<snapshot> (e.g. us-east-1/web-data-2026-11-30)`,
      );
    }
    const outcome = await makePlan({
      repo: flags.repo,
      ref: flags.ref,
      cacheDir: cacheDirFor(flags),
      clients: lightsailClientFactory({ endpoint: flags.endpointUrl }),
      nowMs: clockNow(),
      log: createLogger(),
      onWarning: printWarning,
    });
    const result = explainSnapshot(outcome, target);
    if (!result.found) throw new SnapgateError("BadInput", result.message);
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(result.explanation, null, 2)}\n`
        : renderExplanation(result.explanation),
    );
    process.exitCode = EXIT.ok;
  });
}
