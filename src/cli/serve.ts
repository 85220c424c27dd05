/** `snapgate serve`: webhooks + polling, reconcile on push, auto-apply where the repo allows it. */
import os from "node:os";
import { type Command, Option } from "commander";
import { openState } from "../apply/open-state.js";
import { InventoryHistoryReader } from "../audit-log/inventory-events.js";
import { SnapgateError } from "../core/errors.js";
import { createLogger, LOG_FORMATS, type LogFormat } from "../core/logger.js";
import { stopPolicyWorkers } from "../gate/policy/index.js";
import { applyClientFactory, lightsailClientFactory } from "../lightsail/client.js";
import { stsIdentityProbe } from "../lightsail/sts.js";
import { branchRef, reconcileOnce } from "../reconcile/reconcile.js";
import { parseInterval, runDaemon, secretsFrom } from "../serve/index.js";
import { resolveRef } from "../source/index.js";
import { verifyCommitSignature } from "../source/verify-commit.js";
import { listLocks } from "../state/locks.js";
import type { StateStore } from "../state/store.js";
import { listenError } from "./listen-error.js";
import { flagTargets, type NotifyFlags, withNotifyOptions } from "./notify-options.js";
import {
  cacheDirFor,
  clockNow,
  positiveInt,
  positiveNumber,
  withLightsailOptions,
  withStateOptions,
} from "./options.js";

interface ServeFlags extends NotifyFlags {
  repo: string;
  branch: string;
  port: number;
  host: string;
  interval: string;
  webhookSecretFile?: string;
  concurrency: number;
  rate: number;
  verifyCommits?: boolean;
  keyringDir?: string;
  endpointUrl?: string;
  state?: string;
  stateDir?: string;
  auditLog?: string;
  cacheDir?: string;
  logFormat: LogFormat;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error("--port must be 0–65535");
  return n;
}

export function registerServeCommand(program: Command): void {
  withStateOptions(
    withLightsailOptions(
      withNotifyOptions(program.command("serve"), false)
        .description(
          "daemon: reconcile on webhook pushes and on an interval; auto-apply where configured",
        )
        .requiredOption("--repo <url>", "desired-state git repository")
        .option("--branch <branch>", "branch to reconcile", "main")
        .option("--port <port>", "HTTP port (0 picks a free one)", port, 8080)
        .option("--host <host>", "address to listen on", "127.0.0.1")
        .option("--interval <duration>", "polling interval (e.g. 30s, 5m, 1h; 0 disables)", "5m")
        .option(
          "--webhook-secret-file <file>",
          "webhook secrets, one per line (or env SNAPGATE_WEBHOOK_SECRET)",
        )
        .option("--concurrency <n>", "deletions in flight at once", positiveInt("--concurrency"), 4)
        .option("--rate <n>", "Lightsail requests per second", positiveNumber("--rate"), 10)
        .option(
          "--verify-commits",
          "apply only commits whose signature verifies against --keyring-dir",
        )
        .option(
          "--keyring-dir <dir>",
          "GnuPG home holding the trusted keys (with --verify-commits)",
        )
        .option("--cache-dir <dir>", "git cache directory")
        .addOption(
          new Option("--log-format <format>", "json lines, or pretty: one readable line per record")
            .choices(LOG_FORMATS)
            .env("SNAPGATE_LOG_FORMAT")
            .default("json"),
        ),
    ),
  ).action(async (flags: ServeFlags) => {
    const log = createLogger(process.env.SNAPGATE_LOG_LEVEL ?? "info", flags.logFormat);
    const interval = parseInterval(flags.interval);
    const secrets = await secretsFrom({ file: flags.webhookSecretFile, env: process.env });
    // Before any Lightsail call: a bad state location is an error naming it, and serve does not start.
    const { store, audit, lockOptions } = await openState(flags);
    const cacheDir = cacheDirFor(flags);
    const notifyTargets = flagTargets(flags, process.env);
    if (Boolean(flags.verifyCommits) !== Boolean(flags.keyringDir)) {
      // A keyring alone would look like verification while unsigned commits are applied.
      throw new SnapgateError(
        "BadInput",
        "--verify-commits and --keyring-dir go together: give both or neither",
      );
    }
    const keyringDir = flags.verifyCommits ? flags.keyringDir : undefined;
    // One client per region for the daemon's lifetime (connections and credentials are reused).
    const planClients = lightsailClientFactory({ endpoint: flags.endpointUrl });
    const applyClients = applyClientFactory({ endpoint: flags.endpointUrl });
    const identity = stsIdentityProbe({ endpoint: flags.endpointUrl });
    // Each reconcile reads the audit log on from where the one before stopped.
    const inventoryHistory = new InventoryHistoryReader(audit, "last-record");
    // SIGTERM: stop starting deletions, let those in flight finish, then exit.
    const shutdown = new AbortController();
    const daemon = await runDaemon({
      host: flags.host,
      port: flags.port,
      secrets,
      repo: flags.repo,
      branch: flags.branch,
      interval,
      log,
      // the repository's spec.notifications arrive with each result; these add to them
      notify: { targets: notifyTargets, audit },
      resolveHead: () => resolveRef({ repo: flags.repo, ref: branchRef(flags.branch), cacheDir }),
      lockStatus: () => lockHolders(store),
      reconcile: (trigger, context) =>
        reconcileOnce(
          {
            log: context.log,
            repo: flags.repo,
            branch: flags.branch,
            cacheDir,
            store,
            lockOptions,
            audit,
            inventoryHistory,
            planClients,
            applyClients,
            identity,
            concurrency: flags.concurrency,
            rate: flags.rate,
            now: clockNow,
            signal: shutdown.signal,
            ...(keyringDir
              ? {
                  verifyCommit: (commit: string) =>
                    verifyCommitSignature({ repo: flags.repo, commit, cacheDir, keyringDir }),
                }
              : {}),
          },
          trigger,
        ),
    }).catch((err: unknown) => {
      throw listenError(err, { what: "serve", host: flags.host, port: flags.port }) ?? err;
    });
    process.stdout.write(`listening on ${daemon.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, "stopping: finishing the deletions in flight");
        shutdown.abort();
        // a policy still running (a looping one included) is stopped now, not at its budget
        stopPolicyWorkers("snapgate is shutting down");
        daemon.stop().then(resolve, resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
  });
}

/**
 * /status's `lock`: the state location and who holds its apply locks now —
 * this replica, another one, or a CLI apply — so that an operator running
 * several replicas on one S3 state sees which one is applying.
 */
async function lockHolders(store: StateStore) {
  const locks = (await listLocks(store)).filter((l) => l.name.startsWith("apply-"));
  return {
    state: store.label,
    holders: locks.map((l) => ({
      name: l.name,
      lockId: l.lockId,
      host: l.host,
      pid: l.pid,
      purpose: l.purpose,
      acquiredAt: l.acquiredAt,
      ...(l.leaseMs ? { leaseMs: l.leaseMs, writtenAt: l.writtenAt } : {}),
      expired: l.expired,
      thisReplica: l.host === os.hostname() && l.pid === process.pid,
    })),
  };
}
