import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Receiver } from "../../src/reconcile/types.js";
import {
  delivery,
  HEAD,
  hmacHex,
  OTHER_SECRET,
  post,
  SECRET,
  type StubServer,
  startStubServer,
} from "./helpers.js";

const RECEIVERS: Receiver[] = ["github", "gitlab", "gitea", "generic"];
let stub: StubServer | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function started(options?: Parameters<typeof startStubServer>[0]) {
  stub = await startStubServer(options);
  return stub;
}

describe.each(RECEIVERS)("POST /webhooks/%s", (receiver) => {
  const url = (s: StubServer) => `${s.server.url}/webhooks/${receiver}`;

  it("a validly signed push to the branch answers 202 queued and triggers once", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { id: "d-1" });
    const res = await post(url(s), body, headers);
    expect(res).toMatchObject({ status: 202, json: { status: "queued" } });
    expect(s.triggers).toEqual([{ kind: "webhook", receiver, deliveryId: "d-1", commit: HEAD }]);
  });

  it("a push signed with the rotated-in second secret is accepted", async () => {
    const s = await started({ secrets: [OTHER_SECRET, SECRET] });
    const { body, headers } = delivery(receiver);
    expect((await post(url(s), body, headers)).status).toBe(202);
  });

  it("a forged signature answers 401 with no detail and never triggers", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { secret: "forged-secret-xxxxxxxxx" });
    const res = await post(url(s), body, headers);
    expect(res).toEqual({ status: 401, json: { error: "unauthorized" } });
    expect(s.triggers).toEqual([]);
  });

  it("a body changed after signing answers 401 (GitLab's token does not cover the body)", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver);
    const res = await post(url(s), body.replace("acme", "evil"), headers);
    if (receiver === "gitlab") {
      // GitLab sends the shared token, not an HMAC: only HTTPS protects the body.
      expect(res.json).toMatchObject({ status: "ignored", reason: "push to another repository" });
    } else {
      expect(res.status).toBe(401);
    }
    expect(s.triggers).toEqual([]);
  });

  it("an unsigned request answers 401 and never triggers", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { secret: null });
    expect((await post(url(s), body, headers)).status).toBe(401);
    expect(s.triggers).toEqual([]);
  });

  it("a wrong content type answers 415", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver);
    const res = await post(url(s), body, { ...headers, "content-type": "text/plain" });
    expect(res.status).toBe(415);
    expect(s.triggers).toEqual([]);
  });

  it("a body over 1 MiB answers 413", async () => {
    const s = await started();
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const { headers } = delivery(receiver);
    const res = await fetch(url(s), { method: "POST", body: big, headers });
    expect(res.status).toBe(413);
    expect(s.triggers).toEqual([]);
  });

  it("a replayed delivery id answers 200 duplicate and triggers once", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { id: "replay-1" });
    expect((await post(url(s), body, headers)).status).toBe(202);
    const again = await post(url(s), body, headers);
    expect(again).toMatchObject({ status: 200, json: { status: "duplicate" } });
    expect(s.triggers).toHaveLength(1);
  });

  it("a captured request re-sent under a fresh delivery id is still a duplicate (the signature covers the body, not the id)", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { id: "original-1" });
    expect((await post(url(s), body, headers)).status).toBe(202);
    const fresh = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        /delivery|uuid|event-id/i.test(k) ? "forged-2" : v,
      ]),
    );
    const again = await post(url(s), body, fresh);
    expect(again).toMatchObject({ status: 200, json: { status: "duplicate" } });
    expect(s.triggers).toHaveLength(1);
  });

  it("a push to another branch is ignored", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { ref: "refs/heads/feature" });
    const res = await post(url(s), body, headers);
    expect(res).toMatchObject({ status: 200, json: { status: "ignored" } });
    expect(String(res.json.reason)).toContain("refs/heads/feature");
    expect(s.triggers).toEqual([]);
  });

  it("a push to another repository is ignored", async () => {
    const s = await started();
    const { body, headers } = delivery(receiver, { repo: "https://github.com/acme/other.git" });
    const res = await post(url(s), body, headers);
    expect(res).toMatchObject({
      status: 200,
      json: { status: "ignored", reason: "push to another repository" },
    });
    expect(s.triggers).toEqual([]);
  });

  it("a signed but malformed body answers 400 with located issues", async () => {
    const s = await started();
    const { headers } = delivery(receiver);
    const body = '{"ref": 1}';
    const signed = { ...headers };
    if (receiver === "github") signed["x-hub-signature-256"] = `sha256=${hmacHex(SECRET, body)}`;
    if (receiver === "gitea") signed["x-gitea-signature"] = hmacHex(SECRET, body);
    if (receiver === "generic") signed["x-signature"] = `sha256=${hmacHex(SECRET, body)}`;
    const res = await post(url(s), body, signed);
    expect(res.status).toBe(400);
    expect((res.json.issues as string[]).join("\n")).toContain(
      // located at the value: `{"ref": 1}` has the 1 at line 1, column 9
      `POST /webhooks/${receiver}:1:9: ref: expected a non-empty string`,
    );
    expect(s.triggers).toEqual([]);
  });

  it("without a configured secret answers 503 (fail closed)", async () => {
    const s = await started({ secrets: [] });
    const { body, headers } = delivery(receiver, { secret: "" });
    const res = await post(url(s), body, headers);
    expect(res).toEqual({
      status: 503,
      json: { error: "webhooks disabled: no secret configured" },
    });
    expect(s.triggers).toEqual([]);
  });
});

describe("webhook edge cases", () => {
  it("a GitHub ping answers 200 pong without triggering", async () => {
    const s = await started();
    const body = '{"zen":"Keep it logically awesome.","hook_id":1}';
    const res = await post(`${s.server.url}/webhooks/github`, body, {
      "content-type": "application/json",
      "x-github-event": "ping",
      "x-github-delivery": "ping-1",
      "x-hub-signature-256": `sha256=${hmacHex(SECRET, body)}`,
    });
    expect(res).toEqual({ status: 200, json: { status: "pong" } });
    expect(s.triggers).toEqual([]);
  });

  it("GitHub form-encoded deliveries are verified over the raw form body", async () => {
    const s = await started();
    const { body: json, headers } = delivery("github");
    const form = `payload=${encodeURIComponent(json)}`;
    const res = await post(`${s.server.url}/webhooks/github`, form, {
      ...headers,
      "content-type": "application/x-www-form-urlencoded",
      "x-hub-signature-256": `sha256=${hmacHex(SECRET, form)}`,
    });
    expect(res.status).toBe(202);
  });

  it("a forged request does not burn the delivery id of a later valid one", async () => {
    const s = await started();
    const forged = delivery("github", { id: "same-id", secret: "forged-secret-xxxxxxxxx" });
    expect(
      (await post(`${s.server.url}/webhooks/github`, forged.body, forged.headers)).status,
    ).toBe(401);
    const valid = delivery("github", { id: "same-id" });
    expect((await post(`${s.server.url}/webhooks/github`, valid.body, valid.headers)).status).toBe(
      202,
    );
  });

  it("a deleted branch is ignored", async () => {
    const s = await started();
    const { body, headers } = delivery("github", { after: "0".repeat(40) });
    const res = await post(`${s.server.url}/webhooks/github`, body, headers);
    expect(res.json).toMatchObject({ status: "ignored", reason: "the branch was deleted" });
  });

  it("an unknown receiver is 404 and GET on a receiver is 405", async () => {
    const s = await started();
    expect(
      (await fetch(`${s.server.url}/webhooks/bitbucket`, { method: "POST", body: "{}" })).status,
    ).toBe(404);
    expect((await fetch(`${s.server.url}/webhooks/github`)).status).toBe(405);
  });

  it("answers 413 for a 2 MiB body after reading at most ~1 MiB of it", async () => {
    const s = await started();
    const { port } = s.server;
    const declared = 2 * 1024 * 1024;
    const { headers } = delivery("generic");
    // Declared length over the cap: refused before any body byte is sent.
    const early = await rawRequest(port, headers, declared, 0);
    expect(early).toMatch(/^HTTP\/1\.1 413 /);
    // Chunked body with no length: refused once the cap is crossed, while the
    // client still holds the rest back — so the server cannot have waited for it.
    const chunked = await rawRequest(port, headers, undefined, 1024 * 1024 + 64 * 1024);
    expect(chunked).toMatch(/^HTTP\/1\.1 413 /);
    expect(chunked.toLowerCase()).toContain("connection: close");
    expect(s.triggers).toEqual([]);
  });
});

/**
 * Sends headers and `send` body bytes, then waits for the answer without ever
 * sending the rest. `length` undefined → chunked transfer encoding.
 */
function rawRequest(
  port: number,
  headers: Record<string, string>,
  length: number | undefined,
  send: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(answer)}`));
    }, 5_000);
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (answer.includes("\r\n\r\n")) {
        clearTimeout(timer);
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (answer) resolve(answer);
      else reject(err);
    });
    socket.on("connect", () => {
      const lines = ["POST /webhooks/generic HTTP/1.1", "Host: 127.0.0.1"];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      lines.push(length === undefined ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`);
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      const piece = Buffer.alloc(64 * 1024, 0x20);
      for (let sent = 0; sent < send; sent += piece.length) {
        if (length === undefined) socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        if (length === undefined) socket.write("\r\n");
      }
    });
  });
}

describe("health, readiness and status", () => {
  it("/healthz is 200 while running; /readyz follows status().ready; /status serves the provider's JSON", async () => {
    const s = await started();
    expect((await fetch(`${s.server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.server.url}/readyz`)).status).toBe(503);
    s.setReady(true);
    expect((await fetch(`${s.server.url}/readyz`)).status).toBe(200);
    s.setReady(false);
    expect((await fetch(`${s.server.url}/readyz`)).status).toBe(503);
    expect(await (await fetch(`${s.server.url}/status`)).json()).toEqual({
      ready: false,
      note: "stub",
    });
    expect((await fetch(`${s.server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${s.server.url}/status`, { method: "POST" })).status).toBe(405);
  });
});
