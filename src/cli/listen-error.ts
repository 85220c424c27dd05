/** A port that cannot be bound is the user's to fix (another process, a privileged port), not a bug. */
import { SnapgateError } from "../core/errors.js";

export function listenError(
  err: unknown,
  where: { what: string; host: string; port: number },
): SnapgateError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const at = `${where.host}:${where.port}`;
  const pick = "pick another with --port <n> (--port 0 picks a free one)";
  if (code === "EADDRINUSE")
    return new SnapgateError(
      "BadInput",
      `${where.what}: port ${where.port} is already in use on ${where.host} (another snapgate serve or emulator?): stop that process or ${pick}`,
      [],
      err,
    );
  if (code === "EACCES")
    return new SnapgateError(
      "BadInput",
      `${where.what}: not allowed to listen on ${at} (ports below 1024 need privileges): ${pick}`,
      [],
      err,
    );
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new SnapgateError(
      "BadInput",
      `${where.what}: cannot listen on ${at}: no such local address; check --host (127.0.0.1, 0.0.0.0 or an address of this machine)`,
      [],
      err,
    );
  return undefined;
}
