/**
 * `spec.notifications`: who is told what. Every secret — a Slack incoming
 * webhook URL (its token is in the path), a webhook's HMAC key — is named by
 * where it lives on the host running snapgate (an absolute file path or a
 * SNAPGATE_* environment variable), never written into the repository. Only a
 * generic webhook's URL may be written literally, and then without userinfo.
 *
 *   - name: ops            # label in /metrics, logs, the audit log; default <type>-<n>
 *     type: slack          # slack | webhook
 *     urlFile: /etc/snapgate/slack-url      # or urlEnv: SNAPGATE_SLACK_URL (webhook: or url)
 *     secretFile: /etc/snapgate/hook-key    # webhook only, required (or secretEnv)
 *     events: [apply, blocked, failed, stale, deleted-outside, non-compliant]  # default: all
 *     timeout: 5s          # per attempt, at most 60s
 *     retries: 3           # further attempts after a failed one, 0–10
 */
import path from "node:path";
import { z } from "zod";
import {
  NOTIFY_EVENT_KINDS,
  type NotificationSpec,
  type NotifyEventKind,
  type ValueSource,
} from "../core/model.js";
import { quote, resourceName } from "./fields.js";

export const DEFAULT_NOTIFY_TIMEOUT_MS = 5_000;
const MAX_NOTIFY_TIMEOUT_MS = 60_000;
export const DEFAULT_NOTIFY_RETRIES = 3;

const ENV_NAME = /^SNAPGATE_[A-Z0-9_]+$/;

/** The repository picks which variable is read: only snapgate's own, so AWS credentials stay out of reach. */
const envName = z.string().superRefine((value, ctx) => {
  if (!ENV_NAME.test(value)) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(value)} is not a SNAPGATE_* environment variable name (upper case, digits, _): only snapgate's own variables can be named here`,
    });
  }
});

const hostFile = z.string().superRefine((value, ctx) => {
  if (!path.isAbsolute(value) || value.includes("\0")) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(value)} must be an absolute path on the host running snapgate: secrets never live in the repository`,
    });
  }
});

const literalUrl = z.string().superRefine((value, ctx) => {
  const problem = literalUrlProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

function literalUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${quote(value)} is not a URL`;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `${quote(value)} must be an http(s) URL`;
  if (url.username !== "" || url.password !== "")
    return "must not carry credentials: give the URL with urlFile or urlEnv instead";
  return null;
}

const TIMEOUT = /^([1-9][0-9]{0,5})(ms|s)$/;

/** `500ms`, `5s`: a receiver's answer is a matter of seconds, so the units are too. */
const timeout = z.string().transform((text, ctx) => {
  const m = TIMEOUT.exec(text);
  const ms = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : Number.NaN;
  if (!(ms > 0 && ms <= MAX_NOTIFY_TIMEOUT_MS)) {
    ctx.addIssue({
      code: "custom",
      message: `${quote(text)} is not a timeout between 1ms and ${MAX_NOTIFY_TIMEOUT_MS / 1000}s (e.g. 5s, 500ms)`,
    });
    return z.NEVER;
  }
  return ms;
});

const eventKind = z.enum(NOTIFY_EVENT_KINDS as [NotifyEventKind, ...NotifyEventKind[]], {
  error: (iss) =>
    iss.input === undefined ? undefined : `must be one of ${NOTIFY_EVENT_KINDS.join(", ")}`,
});

const notification = z
  .strictObject({
    name: resourceName.optional(),
    type: z.enum(["slack", "webhook"], {
      error: (iss) =>
        iss.input === undefined ? "required: slack or webhook" : "must be slack or webhook",
    }),
    url: literalUrl.optional(),
    urlFile: hostFile.optional(),
    urlEnv: envName.optional(),
    secretFile: hostFile.optional(),
    secretEnv: envName.optional(),
    events: z
      .array(eventKind)
      .min(1, "must list at least one event (or leave events out for all)")
      .optional(),
    timeout: timeout.optional(),
    retries: z.int().min(0).max(10).default(DEFAULT_NOTIFY_RETRIES),
  })
  .superRefine((n, ctx) => {
    const urls = [n.url, n.urlFile, n.urlEnv].filter((v) => v !== undefined).length;
    if (n.type === "slack" && n.url !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message:
          "a Slack incoming-webhook URL carries its token: give it with urlFile or urlEnv, not in the repository",
      });
    } else if (urls !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          urls === 0
            ? `a ${n.type} target needs its URL: ${n.type === "slack" ? "urlFile or urlEnv" : "url, urlFile or urlEnv"}`
            : "give the URL one way only: url, urlFile or urlEnv",
      });
    }
    const secrets = [n.secretFile, n.secretEnv].filter((v) => v !== undefined).length;
    if (n.type === "slack" && secrets > 0) {
      ctx.addIssue({
        code: "custom",
        message: "a Slack target is not signed: secretFile and secretEnv belong to webhook targets",
      });
    } else if (n.type === "webhook" && secrets !== 1) {
      ctx.addIssue({
        code: "custom",
        message:
          secrets === 0
            ? "a webhook target is signed with HMAC-SHA256: give its key with secretFile or secretEnv"
            : "give the key one way only: secretFile or secretEnv",
      });
    }
  });

export const notifications = z
  .array(notification)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((n, index) => {
      const name = n.name ?? defaultName(n.type, index);
      if (seen.has(name)) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `${quote(name)} names two notification targets: names must be unique`,
        });
      }
      seen.add(name);
    });
  })
  .optional();

type NotificationDocument = z.output<typeof notification>;

function defaultName(type: string, index: number): string {
  return `${type}-${index + 1}`;
}

function source(
  literal: string | undefined,
  file: string | undefined,
  env: string | undefined,
): ValueSource | undefined {
  if (literal !== undefined) return { literal };
  if (file !== undefined) return { file };
  if (env !== undefined) return { env };
  return undefined;
}

/** The model of one validated target (the schema guarantees the URL and, for webhooks, the key). */
export function toNotificationSpec(n: NotificationDocument, index: number): NotificationSpec {
  const secret = source(undefined, n.secretFile, n.secretEnv) as NotificationSpec["secret"];
  return {
    name: n.name ?? defaultName(n.type, index),
    type: n.type,
    url: source(n.url, n.urlFile, n.urlEnv) as ValueSource,
    ...(secret ? { secret } : {}),
    events: n.events ? [...new Set(n.events)] : NOTIFY_EVENT_KINDS,
    timeoutMs: n.timeout ?? DEFAULT_NOTIFY_TIMEOUT_MS,
    retries: n.retries,
  };
}
