/**
 * Where state lives, for every command that reads or writes it: `--state`
 * (a directory or s3://bucket/prefix), `--state-dir` (its alias), then
 * SNAPGATE_STATE and SNAPGATE_STATE_DIR, else the default directory. The git
 * cache is not state: it stays on local disk (see cacheDirFor).
 */
import path from "node:path";
import { AuditLog, type AuditStore } from "../audit-log/log.js";
import { badInput } from "../core/errors.js";
import { defaultStateDir } from "../source/paths.js";
import type { S3LockOptions } from "../state/s3-lock.js";
import {
  checkStateStore,
  isS3Store,
  openStateStore,
  parseStateLocation,
  type StateLocation,
  type StateStore,
} from "../state/store.js";

export interface StateFlags {
  state?: string;
  stateDir?: string;
  auditLog?: string;
  /** what an error about a bad location calls `state` and `stateDir` (default: the CLI's flags) */
  origins?: StateOrigins;
}

export interface ResolvedState {
  store: StateStore;
  audit: AuditStore;
  /** the S3 lock's lease (SNAPGATE_LOCK_LEASE_SECONDS); a directory's lock files have none */
  lockOptions: S3LockOptions;
}

/** What errors call `state` and `stateDir`: the CLI's flags, or the library's options. */
export interface StateOrigins {
  state: string;
  stateDir: string;
}

const CLI_ORIGINS: StateOrigins = { state: "--state", stateDir: "--state-dir" };

/** The chosen location: flags before the environment, --state before its alias. */
export function stateLocationOf(flags: StateFlags, env = process.env): StateLocation {
  const origins = flags.origins ?? CLI_ORIGINS;
  const [value, origin] = flags.state
    ? [flags.state, origins.state]
    : flags.stateDir
      ? [flags.stateDir, origins.stateDir]
      : env.SNAPGATE_STATE
        ? [env.SNAPGATE_STATE, "SNAPGATE_STATE"]
        : [defaultStateDir(env), "SNAPGATE_STATE_DIR"];
  return parseStateLocation(value, origin);
}

export function stateStoreOf(flags: StateFlags): Promise<StateStore> {
  return openStateStore(stateLocationOf(flags));
}

function lockOptionsOf(env = process.env): S3LockOptions {
  const raw = env.SNAPGATE_LOCK_LEASE_SECONDS;
  if (raw === undefined || raw === "") return {};
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600)
    throw badInput([
      {
        file: "SNAPGATE_LOCK_LEASE_SECONDS",
        message: `${JSON.stringify(raw)}: the lock's lease must be a number of seconds from 1 to 3600`,
      },
    ]);
  return { leaseMs: Math.round(seconds * 1000) };
}

/** The store and the audit log (--audit-log puts it in a local file wherever the rest is). */
export async function resolveState(flags: StateFlags): Promise<ResolvedState> {
  const store = await stateStoreOf(flags);
  const audit: AuditStore = flags.auditLog
    ? new AuditLog(path.resolve(flags.auditLog))
    : isS3Store(store)
      ? new (await import("../audit-log/s3-audit.js")).S3AuditLog(store)
      : new AuditLog(path.join((store.location as { dir: string }).dir, "audit.jsonl"));
  return { store, audit, lockOptions: lockOptionsOf() };
}

/**
 * resolveState, then the location is checked — reachable, these credentials
 * allowed, the bucket there and versioned — so that a bad one is an error
 * naming it before any Lightsail call.
 */
export async function openState(flags: StateFlags): Promise<ResolvedState> {
  const state = await resolveState(flags);
  await checkStateStore(state.store);
  return state;
}
