/**
 * A real HTTP receiver for notification tests (node:http on 127.0.0.1). Each
 * request is recorded with its headers and raw body; `answer` decides, per
 * request number (1-based), the status code to send, or "hang" to hold the
 * request open until the receiver closes.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  n: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** requests whose answer is being held ("hang") */
  hanging(): number;
  close(): Promise<void>;
}

export async function startReceiver(
  answer: (n: number, req: ReceivedRequest) => number | "hang" = () => 200,
  path = "/hook",
): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  let held = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const received: ReceivedRequest = {
        n: requests.length + 1,
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(received);
      const a = answer(received.n, received);
      if (a === "hang") {
        held += 1;
        res.on("close", () => (held -= 1));
        return;
      }
      res.writeHead(a, { "content-type": "text/plain" });
      res.end(a < 300 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    hanging: () => held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: connections are refused at once. */
export async function deadUrl(): Promise<string> {
  const r = await startReceiver();
  const url = r.url;
  await r.close();
  return url;
}
