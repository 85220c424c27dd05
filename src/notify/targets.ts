/**
 * From a target as configured (where its URL and key live) to a target that
 * can be posted to: files and environment variables are read at send time,
 * so a rotated key or URL is picked up without a restart. Nothing read here
 * is ever put into a message: a problem names the target and where the value
 * should have come from, never the value.
 */
import { readFile, stat } from "node:fs/promises";
import type { NotificationSpec, NotifyEventKind, ValueSource } from "../core/model.js";

/** A URL or a key fits in far less; a bigger file is not one. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;
/** Shorter HMAC keys are guessable offline from one captured signed request. */
export const MIN_KEY_LENGTH = 16;

export interface ResolvedTarget {
  name: string;
  type: "slack" | "webhook";
  url: string;
  /** the HMAC-SHA256 key (webhook targets) */
  key?: string;
  events: readonly NotifyEventKind[];
  timeoutMs: number;
  retries: number;
}

export type TargetResolution =
  | { ok: true; target: ResolvedTarget }
  | { ok: false; name: string; problem: string };

function describeSource(what: string, source: ValueSource): string {
  if ("file" in source) return `the ${what} file ${source.file}`;
  if ("env" in source) return `the ${what} variable ${source.env}`;
  return `the ${what}`;
}

/** The first line that is neither blank nor a `#` comment, trimmed (as the webhook secret file). */
function firstValue(text: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line !== "" && !line.startsWith("#")) return line;
  }
  return undefined;
}

async function readValue(
  source: ValueSource,
  env: NodeJS.ProcessEnv,
): Promise<{ value: string } | { problem: string }> {
  if ("literal" in source) return { value: source.literal };
  if ("env" in source) {
    const value = firstValue(env[source.env] ?? "");
    return value === undefined ? { problem: "is not set" } : { value };
  }
  try {
    const info = await stat(source.file);
    if (!info.isFile()) return { problem: "is not a regular file" };
    if (info.size > MAX_SECRET_FILE_BYTES) return { problem: "is too big to hold one value" };
    const value = firstValue(await readFile(source.file, "utf8"));
    return value === undefined ? { problem: "holds no value" } : { value };
  } catch (err) {
    return { problem: `cannot be read (${(err as NodeJS.ErrnoException).code ?? "unreadable"})` };
  }
}

/** Why `text` cannot be posted to, without repeating it (it may carry a token). */
function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "does not hold a URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "does not hold an http(s) URL";
  return null;
}

export async function resolveTarget(
  spec: NotificationSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TargetResolution> {
  const fail = (problem: string): TargetResolution => ({ ok: false, name: spec.name, problem });
  const url = await readValue(spec.url, env);
  if ("problem" in url) return fail(`${describeSource("URL", spec.url)} ${url.problem}`);
  const bad = urlProblem(url.value);
  if (bad) return fail(`${describeSource("URL", spec.url)} ${bad}`);
  let key: string | undefined;
  if (spec.type === "webhook") {
    if (!spec.secret) return fail("a webhook target needs an HMAC key (secretFile or secretEnv)");
    const read = await readValue(spec.secret, env);
    if ("problem" in read) return fail(`${describeSource("key", spec.secret)} ${read.problem}`);
    if (read.value.length < MIN_KEY_LENGTH)
      return fail(
        `${describeSource("key", spec.secret)} holds a key shorter than ${MIN_KEY_LENGTH} characters`,
      );
    key = read.value;
  }
  return {
    ok: true,
    target: {
      name: spec.name,
      type: spec.type,
      url: url.value,
      ...(key !== undefined ? { key } : {}),
      events: spec.events,
      timeoutMs: spec.timeoutMs,
      retries: spec.retries,
    },
  };
}
