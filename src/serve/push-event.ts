/**
 * Turns a verified webhook request into the few facts the daemon needs. Every
 * receiver has its own headers and payload shape; the result is the same
 * `PushEvent`. Bad input is returned as a located BadInput error value, never
 * thrown: the body comes from the network.
 */

import { badInput, type InputIssue, type SnapgateError } from "../core/errors.js";
import { type LocatedJson, parseLocatedJson } from "../core/json-located.js";
import { decodeUtf8 } from "../core/utf8.js";
import type { Receiver } from "../reconcile/types.js";

export { sameRepository } from "./same-repository.js";

export interface PushEvent {
  kind: "push" | "ping" | "other";
  /** the sender's event name, for log lines and "ignored" reasons */
  event: string;
  /** every URL the payload gives for the repository; empty when the sender named none (generic) */
  repoUrls: string[];
  /** full ref, e.g. `refs/heads/main`; empty for non-push events */
  ref: string;
  /** pushed head; null when absent (non-push events, generic without `after`) */
  after: string | null;
  deliveryId: string | null;
}

export type PushEventResult = { ok: true; event: PushEvent } | { ok: false; error: SnapgateError };

export type BodyMediaType = "application/json" | "application/x-www-form-urlencoded";
type Headers = Record<string, string | string[] | undefined>;
type Json = Record<string, unknown>;

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_REF_LENGTH = 1024;
/** `after` of a push that deleted the ref */
export const ZERO_OBJECT_ID = /^0+$/;

export function parsePushEvent(
  receiver: Receiver,
  headers: Headers,
  body: Uint8Array,
  mediaType: BodyMediaType = "application/json",
): PushEventResult {
  const where = `POST /webhooks/${receiver}`;
  const issues: InputIssue[] = [];
  const payload = decodePayload(where, body, mediaType);
  if (!payload.ok) return payload;
  const json = payload.json;
  // Payload fields are located in the JSON (a missing one at its nearest parent); headers are not.
  const issue = (field: string, message: string) => {
    const at = field.startsWith("x-") ? undefined : payload.locate(field.split("."));
    issues.push({ file: where, ...at, field, message });
  };

  const eventName = eventHeader(receiver, headers);
  const deliveryId = deliveryHeader(receiver, headers, json);
  if (deliveryId.invalid) issue(deliveryId.field, "delivery id must be 1-128 of [A-Za-z0-9._:-]");
  if (eventName === undefined) issue(EVENT_HEADERS[receiver][0] ?? "event", "header is missing");
  if (issues.length > 0) return { ok: false, error: badInput(issues) };

  const kind = kindOf(receiver, eventName ?? "", json);
  const event: PushEvent = {
    kind,
    event: eventName ?? "",
    repoUrls: [],
    ref: "",
    after: null,
    deliveryId: deliveryId.value,
  };
  if (kind !== "push") return { ok: true, event };

  const ref = json.ref;
  if (typeof ref !== "string" || ref === "" || ref.length > MAX_REF_LENGTH) {
    issue("ref", "expected a non-empty string (e.g. refs/heads/main)");
  } else {
    event.ref = ref;
  }
  const after = receiver === "gitlab" ? (json.after ?? json.checkout_sha) : json.after;
  if (after !== undefined && after !== null) {
    if (typeof after === "string" && OBJECT_ID.test(after)) event.after = after;
    else
      issue(
        receiver === "gitlab" && json.after === undefined ? "checkout_sha" : "after",
        "expected a 40 or 64 character lowercase hex object id",
      );
  } else if (receiver !== "generic") {
    issue("after", "is missing");
  }
  const urls = repositoryUrls(receiver, json, issue);
  event.repoUrls = urls;
  if (issues.length > 0) return { ok: false, error: badInput(issues) };
  return { ok: true, event };
}

function decodePayload(
  where: string,
  body: Uint8Array,
  mediaType: BodyMediaType,
): { ok: true; json: Json; locate: LocatedJson["locate"] } | { ok: false; error: SnapgateError } {
  const decoded = decodeUtf8(body);
  if (!decoded.ok) {
    const at = { line: decoded.line, col: decoded.col };
    return {
      ok: false,
      error: badInput([{ file: where, ...at, message: "body is not valid UTF-8" }]),
    };
  }
  let text = decoded.text;
  if (mediaType === "application/x-www-form-urlencoded") {
    const field = new URLSearchParams(text).get("payload");
    if (field === null) {
      return {
        ok: false,
        error: badInput([{ file: where, field: "payload", message: "form field is missing" }]),
      };
    }
    text = field;
  }
  // The located parser: every syntax error gets a line and column (V8's messages
  // do not always say where), and "__proto__" keys stay plain members.
  const parsed = parseLocatedJson(text);
  if (!parsed.ok) {
    return {
      ok: false,
      error: badInput([
        { file: where, line: parsed.line, col: parsed.col, message: parsed.message },
      ]),
    };
  }
  const value = parsed.json.value;
  if (!isObject(value)) {
    return { ok: false, error: badInput([{ file: where, message: "expected a JSON object" }]) };
  }
  return { ok: true, json: value, locate: parsed.json.locate };
}

const EVENT_HEADERS: Record<Receiver, readonly string[]> = {
  github: ["x-github-event"],
  gitlab: ["x-gitlab-event"],
  gitea: ["x-gitea-event", "x-forgejo-event", "x-gogs-event"],
  generic: [],
};

function eventHeader(receiver: Receiver, headers: Headers): string | undefined {
  if (receiver === "generic") return "push";
  for (const name of EVENT_HEADERS[receiver]) {
    const value = headers[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

const DELIVERY_HEADERS: Record<Receiver, string> = {
  github: "x-github-delivery",
  gitlab: "x-gitlab-event-uuid",
  gitea: "x-gitea-delivery",
  generic: "x-delivery-id",
};

function deliveryHeader(
  receiver: Receiver,
  headers: Headers,
  json: Json,
): { value: string | null; invalid: boolean; field: string } {
  const field = DELIVERY_HEADERS[receiver];
  let value: unknown = headers[field];
  if (receiver === "gitea" && value === undefined) value = headers["x-forgejo-delivery"];
  let source = field;
  if (receiver === "generic" && value === undefined && json.id !== undefined) {
    value = json.id;
    source = "id";
  }
  if (value === undefined || value === null) return { value: null, invalid: false, field: source };
  if (typeof value === "string" && DELIVERY_ID.test(value)) {
    return { value, invalid: false, field: source };
  }
  return { value: null, invalid: true, field: source };
}

function kindOf(receiver: Receiver, eventName: string, json: Json): PushEvent["kind"] {
  switch (receiver) {
    case "github":
      return eventName === "push" ? "push" : eventName === "ping" ? "ping" : "other";
    case "gitlab":
      return eventName === "Push Hook" && (json.object_kind ?? "push") === "push"
        ? "push"
        : "other";
    case "gitea":
      return eventName === "push" ? "push" : "other";
    case "generic":
      return "push";
  }
}

const URL_FIELDS: Record<Receiver, { object: string; fields: readonly string[] }[]> = {
  github: [{ object: "repository", fields: ["clone_url", "ssh_url", "html_url", "git_url"] }],
  gitea: [{ object: "repository", fields: ["clone_url", "ssh_url", "html_url"] }],
  gitlab: [
    { object: "project", fields: ["git_http_url", "git_ssh_url", "web_url"] },
    { object: "repository", fields: ["git_http_url", "git_ssh_url", "homepage", "url"] },
  ],
  generic: [],
};

function repositoryUrls(
  receiver: Receiver,
  json: Json,
  issue: (field: string, message: string) => void,
): string[] {
  if (receiver === "generic") {
    if (json.repo === undefined) return [];
    if (typeof json.repo === "string" && json.repo.trim() !== "") return [json.repo];
    issue("repo", "expected a non-empty string");
    return [];
  }
  const urls: string[] = [];
  for (const { object, fields } of URL_FIELDS[receiver]) {
    const holder = json[object];
    if (!isObject(holder)) continue;
    for (const field of fields) {
      const value = holder[field];
      if (typeof value === "string" && value !== "") urls.push(value);
    }
  }
  const first = URL_FIELDS[receiver][0];
  if (urls.length === 0 && first) {
    issue(first.object, `expected an object with one of ${first.fields.join(", ")}`);
  }
  return urls;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
