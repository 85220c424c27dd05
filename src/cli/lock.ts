/** `snapgate lock list|release`: the apply locks of a state location, local or on S3. */
import type { Command } from "commander";
import { type StateFlags, stateStoreOf } from "../apply/open-state.js";
import { refused } from "../core/errors.js";
import { type LockInfo, listLocks, releaseLock } from "../state/locks.js";
import { EXIT } from "./exit-codes.js";
import { withStateLocation } from "./options.js";

function describe(l: LockInfo): string {
  const lease = l.leaseMs
    ? `, lease ${Math.round(l.leaseMs / 1000)} s, written ${l.writtenAt}`
    : "";
  const state = l.expired ? (l.where === "s3" ? " EXPIRED" : " STALE (owner gone)") : "";
  return `${l.lockId}  ${l.name}  pid ${l.pid} on ${l.host} since ${l.acquiredAt} (${l.purpose})${lease}${state}`;
}

export function registerLockCommand(program: Command): void {
  const group = program.command("lock").description("list or release apply locks");
  const withState = withStateLocation;
  withState(group.command("list").description("show the locks and who holds them")).action(
    async (flags: StateFlags) => {
      const store = await stateStoreOf(flags);
      const locks = await listLocks(store);
      process.stdout.write(
        locks.length === 0 ? `${store.label}: no locks\n` : `${locks.map(describe).join("\n")}\n`,
      );
      process.exitCode = EXIT.ok;
    },
  );
  withState(
    group
      .command("release")
      .description("remove a lock, only if its id matches (see `lock list`)")
      .argument("<lock-id>", "the id `snapgate lock list` shows")
      .option(
        "--force",
        "S3: release a lock whose lease has not run out; its holder, if alive, may go on deleting until its next renewal (up to a third of its lease) while the next apply starts",
      ),
  ).action(async (lockId: string, flags: StateFlags & { force?: boolean }) => {
    const store = await stateStoreOf(flags);
    const outcome = await releaseLock(store, lockId, { force: flags.force === true });
    if ("refused" in outcome) {
      if (outcome.refused === "NoSuchLock")
        throw refused(
          `${store.label}: no lock has the id ${lockId} (it may have been released already)`,
        );
      const { lock, freeInMs } = outcome;
      throw refused(
        `${store.label}: ${lock.name} (${lock.lockId}) is held by pid ${lock.pid} on ${lock.host} and its lease runs for another ${Math.ceil(freeInMs / 1000)} s; releasing it now could let a second apply delete beside the first. Wait for the lease to run out (the next apply then takes the lock over by itself), or stop that process, or pass --force`,
        "LockHeld",
      );
    }
    const released = outcome.released;
    process.stdout.write(
      `released ${released.name} (${released.lockId}) held by pid ${released.pid} on ${released.host}\n`,
    );
    process.exitCode = EXIT.ok;
  });
}
