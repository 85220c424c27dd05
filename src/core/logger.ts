/**
 * Operational logs: pino on stderr (stdout is for the product's output), as JSON
 * lines (for machines) or one readable line per record (`pretty`, for a person at a
 * terminal). Anything that looks like a credential is redacted in both.
 */
import { type Logger, pino } from "pino";

export const REDACT_PATHS = [
  "secret",
  "secretAccessKey",
  "sessionToken",
  "authorization",
  "headers.authorization",
  "headers['x-hub-signature-256']",
  "headers['x-gitlab-token']",
  "headers['x-gitea-signature']",
  "headers['x-signature']",
  "webhookSecret",
  "*.secret",
  "*.secretAccessKey",
  "*.sessionToken",
];

export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function createLogger(
  level = process.env.SNAPGATE_LOG_LEVEL ?? "warn",
  format: LogFormat = process.env.SNAPGATE_LOG_FORMAT === "pretty" ? "pretty" : "json",
): Logger {
  const options = {
    name: "snapgate",
    level,
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
  };
  if (format === "json") return pino(options, pino.destination({ fd: 2, sync: true }));
  // pino writes each record as one JSON line; this stream rewrites it for a person.
  const stderr = pino.destination({ fd: 2, sync: true });
  return pino(options, { write: (line: string) => stderr.write(prettyLine(line)) });
}

const LEVELS: Readonly<Record<number, string>> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
/** Fields every record has, shown in the line's head rather than as key=value. */
const HEAD_FIELDS = new Set(["level", "time", "msg", "pid", "hostname", "name", "v"]);

/**
 * `2026-12-02T00:50:01.123Z INFO  deleted us-east-1/web-old  region=us-east-1 outcome=deleted …`:
 * the time, the level, the message, then the other fields (strings quoted when they need it,
 * objects as JSON). A line that is not a JSON object is passed through unchanged.
 */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return line;
    record = parsed as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const time = typeof record.time === "number" ? new Date(record.time).toISOString() : "";
  const level = (LEVELS[Number(record.level)] ?? String(record.level ?? "")).padEnd(5);
  const msg = typeof record.msg === "string" ? record.msg : "";
  const fields = Object.entries(record)
    .filter(([k]) => !HEAD_FIELDS.has(k))
    .map(([k, v]) => `${k}=${prettyValue(v)}`);
  const head = [time, level, msg].filter((p) => p !== "").join(" ");
  return `${fields.length > 0 ? `${head}  ${fields.join(" ")}` : head}\n`;
}

function prettyValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v !== null && typeof v === "object" && "message" in v) {
    // pino's serialised error: its type and message are what a person reads first
    const e = v as { type?: unknown; message?: unknown };
    return JSON.stringify(`${e.type ?? "Error"}: ${String(e.message)}`);
  }
  return JSON.stringify(v);
}
