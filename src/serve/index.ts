/** Public surface of `snapgate serve` for the CLI. */

export {
  type DaemonOptions,
  type DaemonStatus,
  type ReconcileContext,
  type RunningDaemon,
  runDaemon,
} from "./daemon.js";
export {
  createMetrics,
  type DeletionOutcome,
  type SnapgateMetrics,
} from "./metrics.js";
export { Poller, parseInterval } from "./poller.js";
export { type PushEvent, parsePushEvent, sameRepository } from "./push-event.js";
export { ReconcileQueue } from "./queue.js";
export { readSecretsFile, secretsFrom } from "./secrets.js";
export { type RunningServer, type ServerOptions, startServer } from "./server.js";
