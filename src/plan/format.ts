/** Small formatting helpers shared by the renderers. */

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
