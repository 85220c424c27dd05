import path from "node:path";
import { AuditLog } from "../audit-log/log.js";
import { defaultStateDir } from "./options.js";

export interface StateFlags {
  stateDir?: string;
  auditLog?: string;
}

/** Where state lives: --state-dir / SNAPGATE_STATE_DIR, and --audit-log. */
export function resolveState(flags: StateFlags): { stateDir: string; audit: AuditLog } {
  const stateDir = path.resolve(flags.stateDir ?? defaultStateDir());
  const file = flags.auditLog ? path.resolve(flags.auditLog) : path.join(stateDir, "audit.jsonl");
  return { stateDir, audit: new AuditLog(file) };
}
