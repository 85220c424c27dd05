/** Notifications: events (pure), messages (pure), delivery (HTTP, retries, in the background). */

export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
} from "./deliver.js";
export {
  type ApplyCounts,
  complianceEvents,
  type DeletedOutsideFinding,
  type EventSource,
  findingsToEvents,
  type NotifyEvent,
  type ReconcileReport,
  RepeatFilter,
  reconcileEvents,
  type StaleSourceFinding,
} from "./events.js";
export { markdownSummary, slackPayload, webhookPayload } from "./message.js";
export {
  type DeliveryObserver,
  type DeliveryResult,
  Notifier,
  type NotifierOptions,
} from "./notifier.js";
export { type ResolvedTarget, resolveTarget } from "./targets.js";
