/**
 * Markdown shared by every renderer: the escaping and formatting of cells, and
 * the one size budget (GitHub refuses comments over 65,536 characters) that a
 * long plan or report is fitted into by dropping table rows — never the
 * summary — with a note saying how many were left out.
 */

/** GitHub's comment limit, with room for what CI wraps around it. */
export const MARKDOWN_LIMIT = 65_000;

/** "87d", "5h", "12m" — the age of a snapshot relative to the plan's time. */
export function formatAge(createdAt: string | undefined, nowMs: number): string {
  if (createdAt === undefined) return "?";
  const ms = nowMs - Date.parse(createdAt);
  if (!Number.isFinite(ms)) return "?";
  if (ms < 0) return "0m";
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

export function formatSize(gb: number | undefined): string {
  return gb === undefined ? "?" : `${gb} GiB`;
}

/** Escapes text for a Markdown table cell or inline position. */
export function mdEscape(s: string): string {
  return s.replace(/[\\`*_|<>[\]]/g, (c) => `\\${c}`).replace(/\r?\n/g, " ");
}

/** Rows a render may still show; `take` hands out what is left and counts the rest as omitted. */
export class RowBudget {
  omitted = 0;
  constructor(private left: number) {}

  take<T>(rows: readonly T[]): T[] {
    const kept = rows.slice(0, Math.max(0, this.left));
    this.left -= kept.length;
    this.omitted += rows.length - kept.length;
    return kept;
  }

  /** Like take, for a list that notes its own cut: what it leaves out is not counted as omitted. */
  takeUncounted<T>(rows: readonly T[]): T[] {
    const kept = rows.slice(0, Math.max(0, this.left));
    this.left -= kept.length;
    return kept;
  }
}

/** No rendered row is shorter than this, so more rows than limit / this can never fit. */
const SHORTEST_ROW = 16;

/**
 * Renders with as many rows as fit under `limit`: the full text when it fits,
 * otherwise with ever fewer rows (the render says how many it omitted), and
 * as a last resort cut to the limit.
 */
export function fitMarkdown(
  limit: number,
  totalRows: number,
  render: (budget: RowBudget) => string,
): string {
  let maxRows = Math.min(totalRows, Math.floor(limit / SHORTEST_ROW));
  for (;;) {
    const text = render(new RowBudget(maxRows));
    if (text.length <= limit) return text;
    if (maxRows === 0) return `${text.slice(0, Math.max(0, limit - 1))}\n`;
    maxRows = Math.floor(maxRows * 0.7);
  }
}

/** The note a truncated render ends with. */
export function truncationNote(budget: RowBudget, whereEverything: string): string[] {
  if (budget.omitted === 0) return [];
  return [
    `> :warning: **Truncated:** ${budget.omitted} rows are not shown to stay under the comment size limit. ${whereEverything} holds every entry.`,
    "",
  ];
}
