#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { EXIT, reportFatal } from "./exit-codes.js";
import { checkEndpointEnv } from "./options.js";
import { version } from "./version.js";

type Register = (program: Command) => void;

/**
 * Each command's module, imported only when it is needed: their dependencies (the AWS SDK,
 * opa-wasm, prom-client, pino, zod …) are most of the start-up time, and `--version` or
 * `show` needs none of the others'. Listed in the order help shows them.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["plan", async () => (await import("./plan.js")).registerPlanCommand],
  ["apply", async () => (await import("./apply.js")).registerApplyCommand],
  ["explain", async () => (await import("./explain.js")).registerExplainCommand],
  ["show", async () => (await import("./show.js")).registerShowCommand],
  ["audit", async () => (await import("./audit.js")).registerAuditCommand],
  ["serve", async () => (await import("./serve.js")).registerServeCommand],
  ["emulator", async () => (await import("./emulator.js")).registerEmulatorCommand],
  ["audit-log", async () => (await import("./audit-log.js")).registerAuditLogCommand],
  ["iam-policy", async () => (await import("./iam-policy.js")).registerIamPolicyCommand],
  ["lock", async () => (await import("./lock.js")).registerLockCommand],
  ["validate", async () => (await import("./validate.js")).registerValidateCommand],
];

/**
 * The commands `argv` can reach: the one it names, none for a bare `--version`, and every
 * one otherwise (top-level help, `help <cmd>`, a mistyped name that deserves suggestions).
 */
export function commandsFor(args: readonly string[]): string[] {
  const all = COMMANDS.map(([name]) => name);
  const at = args.findIndex((a) => !a.startsWith("-"));
  const first = at < 0 ? undefined : args[at];
  // `--help plan` is the top-level help, which lists every command.
  const helpFirst = args.slice(0, Math.max(at, 0)).some((a) => a === "-h" || a === "--help");
  if (first !== undefined && all.includes(first) && !helpFirst) return [first];
  if (first === undefined && args.length > 0 && args.every((a) => a === "--version" || a === "-V"))
    return [];
  return all;
}

/**
 * Commander checks required options before unknown ones, so `plan --rpeo x` said only
 * "required option '--repo' not specified". A leaf command reports its first unknown
 * option first, with commander's suggestion ("Did you mean --repo?").
 */
class SnapgateCommand extends Command {
  override createCommand(name?: string): Command {
    return new SnapgateCommand(name);
  }

  override parseOptions(args: string[]): { operands: string[]; unknown: string[] } {
    const parsed = super.parseOptions(args);
    const first = parsed.unknown[0];
    const asksHelp = parsed.unknown.some((a) => a === "-h" || a === "--help");
    if (this.commands.length === 0 && first?.startsWith("-") && first !== "-" && !asksHelp) {
      // commander's own message and suggestion (a public method its typings leave out)
      (this as unknown as { unknownOption(flag: string): never }).unknownOption(first);
    }
    return parsed;
  }
}

/** After a usage error: one line pointing at the help, not the whole help (recursively). */
function pointToHelp(cmd: Command, path: string): void {
  cmd.showHelpAfterError(`(run \`${path} --help\` for the options)`);
  for (const sub of cmd.commands) pointToHelp(sub, `${path} ${sub.name()}`);
}

/** Builds the command tree with the named commands; each lives in its own module under src/cli/. */
export async function buildProgram(names: readonly string[] = commandsFor([])): Promise<Command> {
  const program = new SnapgateCommand("snapgate")
    .description("Policy-checked GitOps reconciler for Amazon Lightsail disk snapshots")
    .version(version)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const wanted = COMMANDS.filter(([name]) => names.includes(name));
  const registers = await Promise.all(wanted.map(([, load]) => load()));
  for (const register of registers) register(program);
  pointToHelp(program, "snapgate");
  // Endpoints from the environment are checked before anything is contacted (the flag is
  // checked as it is parsed): the SDK's own "TypeError: Invalid URL" names neither.
  program.hook("preAction", (_program, action) => {
    if (action.options.some((o) => o.long === "--endpoint-url")) checkEndpointEnv(process.env);
  });
  return program;
}

// The SDK warns on Node 20 about its own future releases; the lockfile pins ours, so
// the notice is for snapgate's maintainers (engines), not for every command's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(commandsFor(argv.slice(2)));
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; a bad flag is bad input (exit 1).
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.exitCode = reportFatal(err);
  }
}

await main(process.argv);
