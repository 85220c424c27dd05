/**
 * Apply with its state on S3 behind a proxy that fails about 20% of the S3
 * requests — half before they reach the gateway (nothing stored), half after
 * (stored, but the answer is lost) — through the built CLI, re-run until it
 * finishes. Nothing may be deleted whose intent was not stored first, and the
 * end state is exact: each approved snapshot deleted once, no open intent, an
 * intact audit chain.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";
import {
  applyArgs,
  expectAuditIntact,
  expectExactlyOnce,
  expectNothingOpen,
  runIn,
  s3World,
  workDir,
} from "./s3-world.js";

interface StoredPut {
  path: string;
  body: string;
  /** when the gateway answered 2xx: the object is stored from then on */
  at: number;
}

interface FaultProxy {
  url: string;
  stored: StoredPut[];
  injected: { before: number; after: number; passed: number };
  close(): Promise<void>;
}

/** A deterministic PRNG (mulberry32), so a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const S3_ERROR = (code: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;

async function startFaultProxy(upstream: string, rate: number, seed: number): Promise<FaultProxy> {
  const target = new URL(upstream);
  const random = prng(seed);
  const stored: StoredPut[] = [];
  const injected = { before: 0, after: 0, passed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const roll = random();
      if (roll < rate / 2) {
        injected.before++;
        res.writeHead(503, { "Content-Type": "application/xml" });
        res.end(S3_ERROR("SlowDown"));
        return;
      }
      const lose = roll < rate;
      // Forwarded as signed: the Host header stays the proxy's, which is what was signed.
      const up = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upRes) => {
          const parts: Buffer[] = [];
          upRes.on("data", (c: Buffer) => parts.push(c));
          upRes.on("end", () => {
            const status = upRes.statusCode ?? 500;
            if (req.method === "PUT" && status >= 200 && status < 300)
              stored.push({ path: req.url ?? "", body: body.toString("utf8"), at: Date.now() });
            if (lose) {
              injected.after++;
              res.writeHead(500, { "Content-Type": "application/xml" });
              res.end(S3_ERROR("InternalError"));
              return;
            }
            injected.passed++;
            res.writeHead(status, upRes.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      up.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stored,
    injected,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let gw: S3Gateway;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("faulty-state");
}, 60_000);
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await gw?.stop();
});

describe("apply with 20% of S3 requests failing", () => {
  it("deletes nothing whose intent is not stored, and re-runs reach the exact end state", async () => {
    const w = await s3World(gw, "faulty-state", {}, cleanups);
    const proxy = await startFaultProxy(gw.endpoint, 0.2, 20261202);
    cleanups.push(() => proxy.close());
    const dir = await workDir(w, "faulty");
    const env = { AWS_ENDPOINT_URL_S3: proxy.url, SNAPGATE_LOCK_LEASE_SECONDS: "2" };

    const exits: string[] = [];
    let final: Awaited<ReturnType<typeof runIn>> | undefined;
    for (let run = 0; run < 80 && !final; run++) {
      const r = await runIn(w, dir, applyArgs(w, "--format", "json"), env);
      if (r.code === 0) final = r;
      else {
        exits.push(`${r.code}: ${r.stderr.split("\n")[0]}`);
        // a lease a faulty run could not release runs out by the server's clock
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    console.log(
      `S3 faults: ${JSON.stringify(proxy.injected)}; ${exits.length} runs stopped early:\n  ${exits.slice(0, 12).join("\n  ")}`,
    );
    expect(final, exits.join("\n")).toBeDefined();
    expect(proxy.injected.before + proxy.injected.after).toBeGreaterThan(0);

    // The write-ahead rule, from what the gateway actually stored: every DeleteDiskSnapshot the
    // emulator received came after a stored journal part holding that snapshot's intent.
    const intents = new Map<string, number>();
    for (const p of proxy.stored.filter((s) => /\/journals\/[0-9a-f]+\.jsonl\/\d+/.test(s.path))) {
      for (const m of p.body.matchAll(/\{"type":"intent","key":"([^"]+)"/g)) {
        const key = m[1]!;
        intents.set(key, Math.min(intents.get(key) ?? Number.POSITIVE_INFINITY, p.at));
      }
    }
    const deletes = w.emulator.calls().filter((c) => c.operation === "DeleteDiskSnapshot");
    const early = deletes.filter((c) => {
      const storedAt = intents.get(`${c.region}/${c.target}`);
      return storedAt === undefined || storedAt > c.at;
    });
    expect(early).toEqual([]);

    expectExactlyOnce(w);
    await expectNothingOpen(w);
    await expectAuditIntact(w, dir);
  }, 600_000);
});
