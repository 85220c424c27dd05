/** A plan in each output format the CLI offers (`plan --format`, `show --format`). */
import type { Plan } from "../core/model.js";
import { printable, printableDeep } from "../core/printable.js";
import { serializePlan } from "./build.js";
import { renderGithub } from "./render-github.js";
import { renderMarkdown } from "./render-markdown.js";
import { renderText } from "./render-text.js";

export const PLAN_FORMATS = ["text", "markdown", "json", "github"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export interface RenderOptions {
  /** the plan file's path, for the "apply with" hint */
  planFile?: string;
  /** ANSI colour in text output */
  color: boolean;
  /** run warnings that are not part of the plan document (markdown shows them; other formats leave them to stderr) */
  warnings?: readonly string[];
  /** text only: list every kept snapshot */
  showKept?: boolean;
}

export function renderPlan(plan: Plan, format: PlanFormat, opts: RenderOptions): string {
  switch (format) {
    case "json":
      return serializePlan(plan);
    // markdown and annotations end up in CI logs and PR pages: no raw control characters there either
    case "markdown":
      return renderMarkdown(printableDeep(plan), {
        planFile: opts.planFile,
        warnings: opts.warnings?.map(printable),
      });
    case "github":
      return renderGithub(printableDeep(plan));
    case "text":
      return renderText(plan, {
        color: opts.color,
        planFile: opts.planFile,
        showKept: opts.showKept,
      });
  }
}
