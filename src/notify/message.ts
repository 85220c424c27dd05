/**
 * Event → message, with no I/O: a short markdown summary (Slack's mrkdwn
 * subset — `*bold*`, `` `code` ``, bullets — which reads fine as plain text
 * too), the Slack incoming-webhook body `{"text": …}`, and the generic
 * webhook's JSON document. Lists are cut after a few entries, so one bad
 * morning is one readable message, not a wall.
 */
import type { NotifyEvent, StaleSourceFinding } from "./events.js";

export const WEBHOOK_SCHEMA_VERSION = 1;
/** Entries listed per message; the rest are counted. */
const MAX_LISTED = 10;
/** Slack truncates long texts itself; stay well below that. */
const MAX_TEXT = 3_000;

const short = (commit: string | null) => (commit === null ? "(no commit)" : commit.slice(0, 12));
const shortDigest = (digest: string) => `${digest.slice(0, 19)}…`;

function where(e: NotifyEvent): string {
  const ref = e.source.ref !== undefined ? ` ${e.source.ref}` : "";
  return `\`${e.source.repo}\`${ref} @ \`${short(e.source.commit)}\``;
}

function listed<T>(items: readonly T[], line: (item: T) => string): string[] {
  const lines = items.slice(0, MAX_LISTED).map((item) => `• ${line(item)}`);
  if (items.length > MAX_LISTED) lines.push(`• … and ${items.length - MAX_LISTED} more`);
  return lines;
}

function age(seconds: number): string {
  const hours = seconds / 3600;
  return hours < 48 ? `${Math.round(hours)}h` : `${Math.round(hours / 24)}d`;
}

function staleLine(f: StaleSourceFinding): string {
  const what = `${f.region} ${f.kind} \`${f.name}\``;
  if (f.status === "none" || f.ageSeconds === null) return `${what}: no completed snapshot`;
  const limit = f.maxAgeSeconds !== undefined ? ` (maxAge ${age(f.maxAgeSeconds)})` : "";
  return `${what}: ${f.status}, newest \`${f.newest ?? "?"}\` is ${age(f.ageSeconds)} old${limit}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The headline and the detail lines of an event. */
export function describeEvent(e: NotifyEvent): { title: string; lines: string[] } {
  switch (e.kind) {
    case "apply": {
      const c = e.counts;
      const troubled = c.failed + c.denied + c.skipped > 0 || e.aborted !== undefined;
      return {
        title: troubled ? "snapgate applied a plan, with problems" : "snapgate applied a plan",
        lines: [
          `${where(e)}, plan \`${shortDigest(e.planDigest)}\` (${e.trigger})`,
          `${c.deleted} deleted, ${c.absent} already absent, ${c.skipped} skipped, ${c.denied} denied, ${c.failed} failed`,
          ...(e.aborted !== undefined ? [`stopped early: ${e.aborted}`] : []),
        ],
      };
    }
    case "blocked":
      return {
        title: "snapgate: a plan-level guard blocked the plan",
        lines: [
          `${where(e)}, plan \`${shortDigest(e.planDigest)}\`: nothing was deleted (${plural(e.candidates, "proposed deletion")})`,
          ...listed(e.reasons, (r) => r),
        ],
      };
    case "failed":
      return {
        title: `snapgate: the run failed (${e.reason})`,
        lines: [
          `${where(e)} (${e.trigger})${e.step !== undefined ? `, at step ${e.step}` : ""}`,
          e.error,
        ],
      };
    case "stale":
      return {
        title: `snapgate: ${plural(e.findings.length, "source")} without a fresh backup`,
        lines: [where(e), ...listed(e.findings, staleLine)],
      };
    case "deleted-outside":
      return {
        title: `snapgate: ${plural(e.findings.length, "snapshot")} deleted outside snapgate`,
        lines: [
          where(e),
          ...listed(
            e.findings,
            (f) => `${f.region} \`${f.name}\` (${f.arn}), last seen ${f.lastSeen}`,
          ),
        ],
      };
    case "non-compliant": {
      const counts = Object.entries(e.classes)
        .filter(([, n]) => n > 0)
        .map(([cls, n]) => `${n} ${cls}`)
        .join(", ");
      return {
        title: "snapgate audit: NOT COMPLIANT",
        lines: [
          `${where(e)}, plan \`${shortDigest(e.planDigest)}\``,
          `${counts || "no snapshots"}; ${e.missing} missing, ${e.warnings} warnings`,
        ],
      };
    }
  }
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}

/** The markdown summary: a bold headline, then the detail lines. */
export function markdownSummary(e: NotifyEvent): string {
  const { title, lines } = describeEvent(e);
  return clip([`*${title}*`, ...lines].join("\n"));
}

/** Slack reserves &, < and > for its own markup (links, mentions): they are escaped. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The body of a Slack-compatible incoming webhook. */
export function slackPayload(e: NotifyEvent): string {
  return JSON.stringify({ text: slackEscape(markdownSummary(e)) });
}

/** The generic webhook's document; `id` is the delivery id, equal across retries. */
export function webhookPayload(e: NotifyEvent, meta: { id: string; time: string }): string {
  const { kind, ...data } = e;
  return JSON.stringify({
    schemaVersion: WEBHOOK_SCHEMA_VERSION,
    source: "snapgate",
    id: meta.id,
    time: meta.time,
    event: kind,
    summary: markdownSummary(e),
    data,
  });
}
