/**
 * Fuzzes the webhook receivers: parsePushEvent on its own (never throws;
 * refusals are BadInput naming the endpoint, JSON syntax errors with a line
 * and column), then the real daemon over HTTP (runDaemon with a recording
 * reconcile): every request is answered 2xx/4xx, never 5xx, never hangs; only
 * correctly signed pushes queue a reconcile; the server stays up.
 */
import { createHmac } from "node:crypto";
import net from "node:net";
import fc from "fast-check";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { SnapgateError } from "../../src/core/errors.js";
import type { Receiver, ReconcileTrigger } from "../../src/reconcile/types.js";
import { runDaemon } from "../../src/serve/daemon.js";
import { parsePushEvent } from "../../src/serve/push-event.js";
import { attempt, attemptSync, checkOutcome, fuzzParams, HANG_MS, Tally } from "./harness.js";
import { applyTextOps, applyValueOps, rawJson, renderJson, textOps, valueOps } from "./mutate.js";

const tally = new Tally();
afterAll(() => tally.print());

const SECRET = "fuzz-secret-0123456789abcdef";
const REPO = "https://github.com/acme/snapshots.git";
const HEAD = "0123456789abcdef0123456789abcdef01234567";
const RECEIVERS: readonly Receiver[] = ["github", "gitlab", "gitea", "generic"];

const PAYLOADS: Record<Receiver, unknown> = {
  github: {
    ref: "refs/heads/main",
    after: HEAD,
    repository: { clone_url: REPO, ssh_url: "git@github.com:acme/x.git" },
  },
  gitea: { ref: "refs/heads/main", after: HEAD, repository: { clone_url: REPO } },
  gitlab: {
    object_kind: "push",
    ref: "refs/heads/main",
    after: HEAD,
    checkout_sha: HEAD,
    project: { git_http_url: REPO },
  },
  generic: { repo: REPO, ref: "refs/heads/main", after: HEAD, id: "d-1" },
};

const EVENT_HEADER: Record<Receiver, [string, string] | null> = {
  github: ["x-github-event", "push"],
  gitea: ["x-gitea-event", "push"],
  gitlab: ["x-gitlab-event", "Push Hook"],
  generic: null,
};
const DELIVERY_HEADER: Record<Receiver, string> = {
  github: "x-github-delivery",
  gitlab: "x-gitlab-event-uuid",
  gitea: "x-gitea-delivery",
  generic: "x-delivery-id",
};

const hmac = (body: Buffer) => createHmac("sha256", SECRET).update(body).digest("hex");

type SignatureMode =
  | "valid"
  | "missing"
  | "wrong-secret"
  | "flipped"
  | "garbage"
  | "uppercase"
  | "empty";

function signatureHeaders(
  receiver: Receiver,
  body: Buffer,
  mode: SignatureMode,
): Record<string, string> {
  if (mode === "missing") return {};
  const good = hmac(body);
  const sig =
    mode === "valid"
      ? good
      : mode === "wrong-secret"
        ? createHmac("sha256", "not-the-secret").update(body).digest("hex")
        : mode === "flipped"
          ? (good[0] === "0" ? "1" : "0") + good.slice(1)
          : mode === "uppercase"
            ? good.toUpperCase()
            : mode === "empty"
              ? ""
              : "sha256=zz-not-hex";
  switch (receiver) {
    case "github":
      return { "x-hub-signature-256": mode === "garbage" ? sig : `sha256=${sig}` };
    case "generic":
      return { "x-signature": mode === "garbage" ? sig : `sha256=${sig}` };
    case "gitea":
      return { "x-gitea-signature": sig };
    case "gitlab":
      return {
        "x-gitlab-token":
          mode === "valid" ? SECRET : mode === "wrong-secret" ? "not-the-secret" : sig,
      };
  }
}

/** Only these modes can be accepted (uppercase hex is the same MAC; receivers may accept it). */
const mayVerify = (mode: SignatureMode) => mode === "valid" || mode === "uppercase";

const headerTweak = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      name: fc.constantFrom(
        "x-github-event",
        "x-gitlab-event",
        "x-gitea-event",
        "x-github-delivery",
        "x-delivery-id",
        "x-gitea-delivery",
        "x-gitlab-event-uuid",
        "content-type",
      ),
      value: fc.oneof(
        fc.constantFrom(
          "",
          "push",
          "ping",
          "Push Hook",
          "Tag Push Hook",
          "../../etc",
          "a".repeat(200),
          "application/json; charset=utf-16",
          "text/plain",
          "application/x-www-form-urlencoded",
        ),
        fc.stringMatching(/^[\x21-\x7e]{0,40}$/),
      ),
    }),
  },
);

const webhookCase = fc.record({
  receiver: fc.constantFrom(...RECEIVERS),
  structural: fc.boolean(),
  ops: valueOps(rawJson),
  text: fc.oneof(fc.constant([]), textOps(false)),
  form: fc.boolean(),
  delivery: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    fc.stringMatching(/^[\x21-\x7e]{0,140}$/),
    fc.constantFrom("", "a b", "%C3%BC", "x".repeat(129)),
  ),
  tweak: headerTweak,
});

type WebhookCase = typeof webhookCase extends fc.Arbitrary<infer T> ? T : never;

function requestOf(
  c: WebhookCase,
  n: number,
): {
  body: Buffer;
  headers: Record<string, string>;
  media: "application/json" | "application/x-www-form-urlencoded";
} {
  const base = PAYLOADS[c.receiver];
  const json = c.structural ? renderJson(applyValueOps(base, c.ops), false) : JSON.stringify(base);
  let text = applyTextOps(json, c.text);
  const form = c.form && c.receiver === "github";
  if (form) text = `payload=${encodeURIComponent(text)}`;
  const headers: Record<string, string> = {
    "content-type": form ? "application/x-www-form-urlencoded" : "application/json",
  };
  const event = EVENT_HEADER[c.receiver];
  if (event) headers[event[0]] = event[1];
  headers[DELIVERY_HEADER[c.receiver]] = c.delivery ?? `fuzz-${n}`;
  if (c.tweak) headers[c.tweak.name] = c.tweak.value;
  const media = headers["content-type"]?.startsWith("application/x-www-form-urlencoded")
    ? "application/x-www-form-urlencoded"
    : "application/json";
  return { body: Buffer.from(text), headers, media };
}

describe("fuzz: webhook payloads (parsePushEvent)", () => {
  it("never throws; refusals are BadInput naming the endpoint; JSON syntax errors carry a line and column", () => {
    let n = 0;
    fc.assert(
      fc.property(webhookCase, (c) => {
        const { body, headers, media } = requestOf(c, n++);
        const where = `POST /webhooks/${c.receiver}`;
        const outcome = attemptSync(() => {
          const result = parsePushEvent(c.receiver, headers, body, media);
          if (!result.ok) throw result.error;
          return result.event;
        });
        checkOutcome(
          tally,
          "webhook payload (parsePushEvent)",
          outcome,
          { files: [where], codes: ["BadInput"] },
          (event) =>
            event.kind === "push" &&
            event.after !== null &&
            !/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(event.after)
              ? `after ${event.after}`
              : null,
        );
        if (outcome.kind === "rejected") {
          const err = outcome.error as SnapgateError;
          for (const issue of err.issues) {
            if (
              /invalid JSON/.test(issue.message) &&
              (issue.line === undefined || issue.col === undefined)
            ) {
              throw new Error(`JSON syntax error without a position: ${issue.message}`);
            }
          }
        }
      }),
      fuzzParams(2),
    );
  });
});

describe("fuzz: webhooks over HTTP (runDaemon)", () => {
  it("answers every request 2xx/4xx, queues only correctly signed pushes, and stays up", async () => {
    const reconciles: ReconcileTrigger[] = [];
    const daemon = await runDaemon({
      port: 0,
      secrets: [SECRET],
      repo: REPO,
      branch: "main",
      interval: 0,
      log: pino({ level: "silent" }),
      reconcile: async (trigger) => {
        reconciles.push(trigger);
        return { commit: HEAD, ok: true };
      },
    });
    const signedOk = new Set<string>();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          webhookCase,
          fc.constantFrom<SignatureMode>(
            "valid",
            "valid",
            "valid",
            "valid",
            "missing",
            "wrong-secret",
            "flipped",
            "garbage",
            "uppercase",
            "empty",
          ),
          fc.constantFrom("POST", "POST", "POST", "POST", "POST", "GET", "PUT"),
          fc.constantFrom("", "", "", "", "", "", "?x=1", "/", "/../generic", "%2e%2e", "x"),
          async (c, mode, method, pathTweak) => {
            const i = n++;
            const { body, headers } = requestOf(c, i);
            Object.assign(headers, signatureHeaders(c.receiver, body, mode));
            const delivery = headers[DELIVERY_HEADER[c.receiver]] ?? "";
            const outcome = await attempt(async () => {
              const res = await fetch(`${daemon.url}/webhooks/${c.receiver}${pathTweak}`, {
                method,
                headers,
                body: method === "GET" ? undefined : new Uint8Array(body),
                signal: AbortSignal.timeout(HANG_MS),
              });
              await res.arrayBuffer();
              return res.status;
            });
            if (outcome.kind === "rejected")
              throw new Error(`request failed: ${String(outcome.error)}`);
            const status = outcome.value;
            if (status >= 500) throw new Error(`answered ${status}`);
            if (status === 202) {
              if (!mayVerify(mode))
                throw new Error(`queued a reconcile for a request signed "${mode}"`);
              signedOk.add(`${c.receiver}:${delivery}`);
            }
            tally.record(
              "webhook over HTTP (runDaemon)",
              status < 300 ? "ok" : "rejected",
              outcome.ms,
            );
          },
        ),
        fuzzParams(1),
      );
      // Malformed HTTP straight on the socket: answered or closed, never a crash.
      for (const raw of [
        "GARBAGE\r\n\r\n",
        "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{}",
        "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n",
        `POST /webhooks/generic HTTP/1.1\r\nHost: x\r\n${"X-Pad: a\r\n".repeat(2000)}\r\n`,
        "POST /webhooks/gitlab HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      ]) {
        const answer = await rawRequest(daemon.url, raw);
        expect(answer, raw.slice(0, 40)).not.toMatch(/^HTTP\/1\.1 5\d\d/);
        tally.record("webhook raw HTTP", "rejected");
      }
      await daemon.idle();
      for (const t of reconciles) {
        if (t.kind !== "webhook") continue;
        expect(signedOk.has(`${t.receiver}:${t.deliveryId ?? ""}`) || t.deliveryId === null).toBe(
          true,
        );
      }
      const health = await fetch(`${daemon.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await daemon.stop();
    }
  });
});

/** Sends raw bytes, returns what came back (or "" if the server closed without answering). */
function rawRequest(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(raw));
    let data = "";
    socket.setTimeout(HANG_MS, () => {
      socket.destroy();
      reject(new Error(`no answer within ${HANG_MS} ms to ${JSON.stringify(raw.slice(0, 40))}`));
    });
    socket.on("data", (d) => (data += d));
    socket.on("error", () => resolve(data));
    socket.on("close", () => resolve(data));
  });
}
