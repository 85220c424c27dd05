/** `snapgate audit-log verify <file>`: 0 intact, 1 broken. */
import type { Command } from "commander";
import { verifyAuditLog } from "../audit-log/verify.js";
import { SnapgateError } from "../core/errors.js";
import { EXIT } from "./exit-codes.js";

export function registerAuditLogCommand(program: Command): void {
  const group = program.command("audit-log").description("audit log tools");
  group
    .command("verify")
    .description("check the hash chain of an audit log")
    .argument("<file>", "audit log (JSON lines)")
    .action(async (file: string) => {
      let result: Awaited<ReturnType<typeof verifyAuditLog>>;
      try {
        result = await verifyAuditLog(file);
      } catch (err) {
        if (err instanceof SnapgateError) throw err;
        throw new SnapgateError(
          "BadInput",
          `${file}: cannot read the audit log: ${(err as Error).message}`,
        );
      }
      if (result.ok) {
        process.stdout.write(`${file}: intact, ${result.records} records, head ${result.head}\n`);
        if (result.openIntents.length > 0) {
          // Not a broken chain: a crash interrupted these deletes and no apply has settled them yet.
          process.stdout.write(
            `${result.openIntents.length} delete intent(s) without a result (the next apply re-reads and records them):\n${result.openIntents.map((i) => `  record ${i.seq}: ${i.region}/${i.name} (plan ${i.planDigest.slice(0, 19)}…)`).join("\n")}\n`,
          );
        }
        process.exitCode = EXIT.ok;
      } else {
        process.stdout.write(
          `${file}:${result.line}: BROKEN: ${result.problem} (${result.records} records verified before it)\n`,
        );
        process.exitCode = EXIT.error;
      }
    });
}
