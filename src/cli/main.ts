#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { registerApplyCommand } from "./apply.js";
import { registerAuditCommand } from "./audit.js";
import { registerAuditLogCommand } from "./audit-log.js";
import { registerEmulatorCommand } from "./emulator.js";
import { EXIT, reportFatal } from "./exit-codes.js";
import { registerIamPolicyCommand } from "./iam-policy.js";
import { registerLockCommand } from "./lock.js";
import { registerPlanCommand } from "./plan.js";
import { registerServeCommand } from "./serve.js";
import { registerShowCommand } from "./show.js";
import { version } from "./version.js";

/** Builds the command tree; each command lives in its own module under src/cli/. */
export function buildProgram(): Command {
  const program = new Command("snapgate")
    .description("Policy-checked GitOps reconciler for Amazon Lightsail disk snapshots")
    .version(version)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerPlanCommand(program);
  registerApplyCommand(program);
  registerShowCommand(program);
  registerAuditCommand(program);
  registerServeCommand(program);
  registerEmulatorCommand(program);
  registerAuditLogCommand(program);
  registerIamPolicyCommand(program);
  registerLockCommand(program);
  return program;
}

// The SDK warns on Node 20 about its own future releases; the lockfile pins ours, so
// the notice is for snapgate's maintainers (engines), not for every command's stderr.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
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
