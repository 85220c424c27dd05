/** `snapgate show <plan.json>`: render a saved plan (checked like apply does) without contacting anything. */
import type { Command } from "commander";
import { readPlanFile } from "../plan/plan-file.js";
import { PLAN_FORMATS, type PlanFormat, renderPlan } from "../plan/render.js";
import { oneOf } from "./options.js";

export function registerShowCommand(program: Command): void {
  program
    .command("show")
    .description("render a saved plan file (its digest is verified); contacts nothing")
    .argument("<plan>", "plan file written by `snapgate plan --out`")
    .option(
      "--format <format>",
      "text | markdown | json | github",
      oneOf("--format", PLAN_FORMATS),
      "text",
    )
    .option("--show-kept", "text: list every kept snapshot with its reasons")
    .action(async (file: string, flags: { format: PlanFormat; showKept?: boolean }) => {
      const plan = await readPlanFile(file);
      const color = Boolean(process.stdout.isTTY);
      process.stdout.write(
        renderPlan(plan, flags.format, { color, planFile: file, showKept: flags.showKept }),
      );
    });
}
