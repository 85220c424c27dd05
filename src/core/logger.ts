/**
 * Operational logs: pino, JSON lines on stderr (stdout is for the product's
 * output). Anything that looks like a credential is redacted.
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

export function createLogger(level = process.env.SNAPGATE_LOG_LEVEL ?? "warn"): Logger {
  return pino(
    { name: "snapgate", level, redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    pino.destination({ fd: 2, sync: true }),
  );
}
