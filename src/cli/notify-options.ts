/**
 * Notification flags shared by serve, apply and audit. Targets on the command
 * line add to the repository's spec.notifications; their secrets come from a
 * file or the environment, never from an argument (the process list is
 * readable by every local user):
 *
 *   --notify-slack-url-file FILE      or env SNAPGATE_NOTIFY_SLACK_URL
 *   --notify-webhook-url URL          or env SNAPGATE_NOTIFY_WEBHOOK_URL (a URL with a token: env)
 *   --notify-webhook-secret-file FILE or env SNAPGATE_NOTIFY_WEBHOOK_SECRET (the HMAC key)
 */
import type { Command } from "commander";
import type { AuditLog } from "../audit-log/log.js";
import { messageOf, SnapgateError } from "../core/errors.js";
import { createLogger } from "../core/logger.js";
import { NOTIFY_EVENT_KINDS, type NotificationSpec } from "../core/model.js";
import { DEFAULT_NOTIFY_RETRIES, DEFAULT_NOTIFY_TIMEOUT_MS } from "../desired/notifications.js";
import { Notifier, type NotifyEvent } from "../notify/index.js";
import { loadDesiredFromDir } from "../reconcile/load-desired.js";
import { checkoutSource } from "../source/index.js";

export const SLACK_URL_ENV = "SNAPGATE_NOTIFY_SLACK_URL";
export const WEBHOOK_URL_ENV = "SNAPGATE_NOTIFY_WEBHOOK_URL";
export const WEBHOOK_SECRET_ENV = "SNAPGATE_NOTIFY_WEBHOOK_SECRET";

export interface NotifyFlags {
  notify?: boolean;
  notifySlackUrlFile?: string;
  notifyWebhookUrl?: string;
  notifyWebhookSecretFile?: string;
}

/** `toggle`: the command sends only with --notify (apply, audit); serve always sends. */
export function withNotifyOptions(cmd: Command, toggle: boolean): Command {
  if (toggle) {
    cmd.option(
      "--notify",
      "send notifications to the targets of spec.notifications and of the --notify-* options",
    );
  }
  return cmd
    .option(
      "--notify-slack-url-file <file>",
      `Slack incoming-webhook URL, read from a file (or env ${SLACK_URL_ENV})`,
    )
    .option(
      "--notify-webhook-url <url>",
      `JSON webhook to notify, signed with HMAC-SHA256 (or env ${WEBHOOK_URL_ENV})`,
    )
    .option(
      "--notify-webhook-secret-file <file>",
      `the webhook's HMAC key, read from a file (or env ${WEBHOOK_SECRET_ENV})`,
    );
}

function target(
  name: string,
  type: NotificationSpec["type"],
  url: NotificationSpec["url"],
  secret?: NotificationSpec["secret"],
): NotificationSpec {
  return {
    name,
    type,
    url,
    ...(secret ? { secret } : {}),
    events: NOTIFY_EVENT_KINDS,
    timeoutMs: DEFAULT_NOTIFY_TIMEOUT_MS,
    retries: DEFAULT_NOTIFY_RETRIES,
  };
}

/** The flag's value when given, else the environment variable when it is set, else nothing. */
function flagOrEnv<T>(
  flag: string | undefined,
  fromFlag: (value: string) => T,
  envName: string,
  isSet: (name: string) => boolean,
): T | { env: string } | undefined {
  if (flag !== undefined) return fromFlag(flag);
  return isSet(envName) ? { env: envName } : undefined;
}

/** The targets the command line and the environment name (`cli-slack`, `cli-webhook`). */
export function flagTargets(flags: NotifyFlags, env: NodeJS.ProcessEnv): NotificationSpec[] {
  const out: NotificationSpec[] = [];
  const set = (name: string) => (env[name] ?? "").trim() !== "";
  if (flags.notifySlackUrlFile !== undefined)
    out.push(target("cli-slack", "slack", { file: flags.notifySlackUrlFile }));
  else if (set(SLACK_URL_ENV)) out.push(target("cli-slack", "slack", { env: SLACK_URL_ENV }));

  const url: NotificationSpec["url"] | undefined = flagOrEnv(
    flags.notifyWebhookUrl,
    (literal) => ({ literal }),
    WEBHOOK_URL_ENV,
    set,
  );
  const secret: NotificationSpec["secret"] | undefined = flagOrEnv(
    flags.notifyWebhookSecretFile,
    (file) => ({ file }),
    WEBHOOK_SECRET_ENV,
    set,
  );
  if (url && "literal" in url) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url.literal);
    } catch {}
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password) {
      throw new SnapgateError(
        "BadInput",
        `--notify-webhook-url must be an http(s) URL without credentials (a URL with a token goes in env ${WEBHOOK_URL_ENV})`,
      );
    }
  }
  if (url && !secret) {
    throw new SnapgateError(
      "BadInput",
      `a webhook notification target is signed: give its key with --notify-webhook-secret-file or env ${WEBHOOK_SECRET_ENV}`,
    );
  }
  if (url && secret) out.push(target("cli-webhook", "webhook", url, secret));
  return out;
}

/**
 * spec.notifications of the repository at `commit`, for `apply --notify`
 * (the plan file does not carry them). When they cannot be read, only the
 * command line's targets are told, and the operator is told why.
 */
export async function repoTargetsAt(
  repo: string | undefined,
  commit: string,
  cacheDir: string,
): Promise<readonly NotificationSpec[]> {
  if (repo === undefined) return [];
  try {
    const checkout = await checkoutSource({ repo, ref: commit, cacheDir });
    try {
      return (await loadDesiredFromDir(checkout.dir)).spec.notifications ?? [];
    } finally {
      await checkout.release();
    }
  } catch (err) {
    process.stderr.write(
      `warning: notifications: cannot read spec.notifications at ${commit.slice(0, 12)} (${messageOf(err)}); only command-line targets are notified\n`,
    );
    return [];
  }
}

/**
 * Sends `events` and waits for their results, after the command's own output:
 * the exit code never depends on them. Failures are logged on stderr by
 * target name, and recorded in the audit log.
 */
export async function notifyAndWait(
  events: readonly NotifyEvent[],
  targets: { flags: readonly NotificationSpec[]; repo: readonly NotificationSpec[] },
  audit: Pick<AuditLog, "append">,
): Promise<void> {
  if (events.length === 0) return;
  const notifier = new Notifier({ targets: targets.flags, audit, log: createLogger() });
  if (!notifier.hasTargets(targets.repo)) {
    process.stderr.write("warning: --notify: no notification target is configured\n");
    return;
  }
  notifier.send(events, targets.repo);
  await notifier.idle();
}
