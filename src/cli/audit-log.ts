/**
 * `snapgate audit-log verify [file | s3://bucket/prefix]`: 0 intact, 1 broken.
 * Without an argument, the audit log of the state location (--state,
 * SNAPGATE_STATE, ...): `<dir>/audit.jsonl`, or the segments on S3.
 */
import path from "node:path";
import type { Command } from "commander";
import { type StateFlags, stateLocationOf } from "../apply/open-state.js";
import { type S3VerifyResult, verifyS3AuditLog } from "../audit-log/s3-audit.js";
import { type OpenIntent, verifyAuditLog } from "../audit-log/verify.js";
import { SnapgateError } from "../core/errors.js";
import { openS3StateStore } from "../state/s3-store.js";
import { checkStateStore, parseStateLocation, type StateLocation } from "../state/store.js";
import { EXIT } from "./exit-codes.js";
import { withStateLocation } from "./options.js";

function describeOpen(open: OpenIntent[]): string {
  // Not a broken chain: a crash interrupted these deletes and no apply has settled them yet.
  return `${open.length} delete intent(s) without a result (the next apply re-reads and records them):\n${open.map((i) => `  record ${i.seq}: ${i.region}/${i.name} (plan ${i.planDigest.slice(0, 19)}…)`).join("\n")}\n`;
}

async function verifyFile(file: string): Promise<void> {
  let result: Awaited<ReturnType<typeof verifyAuditLog>>;
  try {
    result = await verifyAuditLog(file);
  } catch (err) {
    // a located refusal (not a regular file, too large, not UTF-8) already says what is wrong
    if (err instanceof SnapgateError) throw err;
    throw new SnapgateError(
      "BadInput",
      `${file}: cannot read the audit log: ${(err as Error).message}`,
    );
  }
  if (result.ok) {
    process.stdout.write(`${file}: intact, ${result.records} records, head ${result.head}\n`);
    if (result.openIntents.length > 0) process.stdout.write(describeOpen(result.openIntents));
    process.exitCode = EXIT.ok;
  } else {
    process.stdout.write(
      `${file}:${result.line}: BROKEN: ${result.problem} (${result.records} records verified before it)\n`,
    );
    process.exitCode = EXIT.error;
  }
}

function describeProtection(r: S3VerifyResult): string {
  const modes = new Map<string, number>();
  for (const p of r.protection) {
    const m = p.legalHold ? "legal hold" : (p.mode ?? "none");
    modes.set(m, (modes.get(m) ?? 0) + 1);
  }
  const last = r.protection[r.protection.length - 1];
  const parts = [...modes].map(([m, n]) => `${n} ${m}`);
  const until = last?.retainUntil ? `, last segment retained until ${last.retainUntil}` : "";
  return `Object Lock: ${parts.join(", ") || "no segments"}${until}\n`;
}

async function verifyS3(loc: Extract<StateLocation, { kind: "s3" }>): Promise<void> {
  const store = openS3StateStore(loc);
  await checkStateStore(store);
  const r = await verifyS3AuditLog(store);
  if (r.ok) {
    process.stdout.write(
      `${r.location}: intact, ${r.records} records in ${r.segments} segments, head ${r.head}\n`,
    );
    process.stdout.write(describeProtection(r));
    if (r.openIntents.length > 0) process.stdout.write(describeOpen(r.openIntents));
    process.exitCode = EXIT.ok;
  } else {
    process.stdout.write(
      `${r.location}/${r.key}: BROKEN: ${r.problem} (${r.records} records in ${r.segments} segments verified before it)\n`,
    );
    process.exitCode = EXIT.error;
  }
  for (const w of r.warnings) process.stderr.write(`snapgate: warning: ${w}\n`);
}

export function registerAuditLogCommand(program: Command): void {
  const group = program.command("audit-log").description("audit log tools");
  withStateLocation(
    group
      .command("verify")
      .description("check the hash chain of an audit log (a file, or segments on S3)")
      .argument(
        "[log]",
        "audit log file (JSON lines) or s3://bucket/prefix (default: the state location's)",
      ),
  ).action(async (log: string | undefined, flags: StateFlags) => {
    if (log !== undefined) {
      const loc = /^s3:\/\//i.test(log.trim()) ? parseStateLocation(log, "audit log") : undefined;
      return loc?.kind === "s3" ? verifyS3(loc) : verifyFile(log);
    }
    const loc = stateLocationOf(flags);
    return loc.kind === "s3" ? verifyS3(loc) : verifyFile(path.join(loc.dir, "audit.jsonl"));
  });
}
