/** Shared bits for the serve tests: a silent logger, signing, and a stub server around a recording queue. */
import { createHmac } from "node:crypto";
import { pino } from "pino";
import type { Receiver, ReconcileTrigger } from "../../src/reconcile/types.js";
import { createMetrics } from "../../src/serve/metrics.js";
import { type RunningServer, type StatusSnapshot, startServer } from "../../src/serve/server.js";

export const SECRET = "test-secret-0123456789abcdef";
export const OTHER_SECRET = "another-secret-9876543210fedcba";
export const REPO = "https://github.com/acme/snapshots.git";
export const HEAD = "0123456789abcdef0123456789abcdef01234567";

export const silentLog = () => pino({ level: "silent" });

export function hmacHex(secret: string, body: string | Buffer): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/** A body and headers as each forge would send a push (or `event`) to `ref`. */
export function delivery(
  receiver: Receiver,
  options: {
    secret?: string | null;
    ref?: string;
    after?: string;
    repo?: string;
    id?: string;
    event?: string;
    body?: string;
  } = {},
): { body: string; headers: Record<string, string> } {
  const secret = options.secret === undefined ? SECRET : options.secret;
  const ref = options.ref ?? "refs/heads/main";
  const after = options.after ?? HEAD;
  const repo = options.repo ?? REPO;
  const id = options.id ?? `id-${Math.random().toString(16).slice(2)}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  let payload: unknown;
  switch (receiver) {
    case "github":
      payload = {
        ref,
        after,
        repository: { clone_url: repo, ssh_url: "git@github.com:acme/x.git" },
      };
      headers["x-github-event"] = options.event ?? "push";
      headers["x-github-delivery"] = id;
      break;
    case "gitea":
      payload = { ref, after, repository: { clone_url: repo } };
      headers["x-gitea-event"] = options.event ?? "push";
      headers["x-gitea-delivery"] = id;
      break;
    case "gitlab":
      payload = {
        object_kind: "push",
        ref,
        after,
        checkout_sha: after,
        project: { git_http_url: repo },
      };
      headers["x-gitlab-event"] = options.event ?? "Push Hook";
      headers["x-gitlab-event-uuid"] = id;
      break;
    case "generic":
      payload = { repo, ref, after, id };
      break;
  }
  const body = options.body ?? JSON.stringify(payload);
  if (secret !== null) {
    if (receiver === "github") headers["x-hub-signature-256"] = `sha256=${hmacHex(secret, body)}`;
    if (receiver === "gitea") headers["x-gitea-signature"] = hmacHex(secret, body);
    if (receiver === "generic") headers["x-signature"] = `sha256=${hmacHex(secret, body)}`;
    if (receiver === "gitlab") headers["x-gitlab-token"] = secret;
  }
  return { body, headers };
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", body, headers });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface StubServer {
  server: RunningServer;
  triggers: ReconcileTrigger[];
  metrics: ReturnType<typeof createMetrics>;
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

/** The real server with a queue that only records triggers. */
export async function startStubServer(
  options: { secrets?: string[]; maxBodyBytes?: number } = {},
): Promise<StubServer> {
  const triggers: ReconcileTrigger[] = [];
  const metrics = createMetrics({ defaultMetrics: false });
  let ready = false;
  const server = await startServer({
    port: 0,
    secrets: options.secrets ?? [SECRET],
    repos: [REPO],
    branch: "main",
    queue: {
      trigger: (t) => {
        triggers.push(t);
        return true;
      },
    },
    status: (): StatusSnapshot => ({ ready, note: "stub" }),
    metrics,
    log: silentLog(),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
  });
  return { server, triggers, metrics, setReady: (r) => (ready = r), close: () => server.close() };
}
