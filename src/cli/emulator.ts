/** `snapgate emulator`: the local Lightsail API, until SIGTERM. */
import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { startEmulator } from "../emulator/index.js";
import { listenError } from "./listen-error.js";

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}"`);
    }
    return n;
  };
}

interface EmulatorFlags {
  port: number;
  host: string;
  seed?: string;
  state?: string;
  pageSize: number;
  createDelayMs: number;
  deleteMode: "sync" | "async";
  deleteDelayMs: number;
  pendingDelete: "allow" | "reject";
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command("emulator")
    .description("run a local Lightsail API emulator (AWS JSON 1.1, SigV4) until SIGTERM")
    .option("--port <port>", "port to listen on (0 picks a free one)", integer(0, 65535), 0)
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--seed <file>", "fleet YAML: account, principals, regions, faults")
    .option("--state <file>", "persist state here; an existing file wins over the seed")
    .option("--page-size <n>", "page size of the Get* listings", integer(1, 10_000), 50)
    .option(
      "--create-delay-ms <ms>",
      "time a new snapshot stays pending",
      integer(0, 86_400_000),
      0,
    )
    .addOption(
      new Option("--delete-mode <mode>", "sync or async delete completion")
        .choices(["sync", "async"])
        .default("sync"),
    )
    .option("--delete-delay-ms <ms>", "time an async delete takes", integer(0, 86_400_000), 0)
    .addOption(
      new Option("--pending-delete <what>", "allow or reject deleting pending snapshots")
        .choices(["allow", "reject"])
        .default("allow"),
    )
    .action(async (flags: EmulatorFlags) => {
      if (flags.state && existsSync(flags.state)) {
        // The saved state is the emulator's memory across restarts; an edited seed is not merged.
        process.stderr.write(
          flags.seed
            ? `emulator: ${flags.state} exists, so its state is used and the seed ${flags.seed} is ignored; delete ${flags.state} to start from the seed\n`
            : `emulator: resuming from ${flags.state}\n`,
        );
      }
      const emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        seed: flags.seed,
        statePath: flags.state,
        pageSize: flags.pageSize,
        createDelayMs: flags.createDelayMs,
        deleteMode: flags.deleteMode,
        deleteDelayMs: flags.deleteDelayMs,
        pendingDelete: flags.pendingDelete,
      }).catch((err: unknown) => {
        throw listenError(err, { what: "emulator", host: flags.host, port: flags.port }) ?? err;
      });
      process.stdout.write(`listening on ${emulator.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          emulator.close().then(resolve, (err: unknown) => {
            process.stderr.write(`snapgate: emulator: ${(err as Error).message}\n`);
            process.exitCode = 1;
            resolve();
          });
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
    });
}
