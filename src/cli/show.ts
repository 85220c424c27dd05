/** `snapgate show <plan.json>`: render a saved plan (checked like apply does) without contacting anything. */
import type { Command } from "commander";
import { readPlanFile } from "../apply/plan-file.js";
import { serializePlan } from "../plan/build.js";
import { renderGithub } from "../plan/render-github.js";
import { renderMarkdown } from "../plan/render-markdown.js";
import { renderText } from "../plan/render-text.js";
import { oneOf } from "./options.js";

const FORMATS = ["text", "markdown", "json", "github"] as const;

export function registerShowCommand(program: Command): void {
  program
    .command("show")
    .description("render a saved plan file (its digest is verified); contacts nothing")
    .argument("<plan>", "plan file written by `snapgate plan --out`")
    .option(
      "--format <format>",
      "text | markdown | json | github",
      oneOf("--format", FORMATS),
      "text",
    )
    .action(async (file: string, flags: { format: (typeof FORMATS)[number] }) => {
      const plan = await readPlanFile(file);
      const render = {
        json: () => serializePlan(plan),
        markdown: () => renderMarkdown(plan, { planFile: file }),
        github: () => renderGithub(plan),
        text: () => renderText(plan, { color: Boolean(process.stdout.isTTY), planFile: file }),
      }[flags.format];
      process.stdout.write(render());
    });
}
