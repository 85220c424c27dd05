/** `snapgate validate [dir]`: offline checks of the working tree; exit 0 valid, 1 with located errors. */
import type { Command } from "commander";
import { describeValidation, validateDir } from "../reconcile/validate.js";
import { EXIT } from "./exit-codes.js";
import { printWarning } from "./warnings.js";

export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description(
      "offline check of a desired-state directory as it is on disk (uncommitted files included): YAML, schema, names, cross-file checks, policy compilation, IAM policy; for pre-commit hooks",
    )
    .argument("[dir]", "the desired-state directory (the repository's root)", ".")
    .action(async (dir: string) => {
      const summary = await validateDir(dir);
      for (const w of summary.warnings) printWarning(w);
      process.stdout.write(describeValidation(dir, summary));
      process.exitCode = EXIT.ok;
    });
}
