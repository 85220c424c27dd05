/** Shared helpers for the emulator tests: SDK clients and signed raw requests. */
import { Sha256 } from "@aws-crypto/sha256-js";
import { LightsailClient } from "@aws-sdk/client-lightsail";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterEach } from "vitest";
import {
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";

export interface ClientOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  maxAttempts?: number;
}

export function lightsail(emulator: RunningEmulator, opts: ClientOptions = {}): LightsailClient {
  return new LightsailClient({
    endpoint: emulator.url,
    region: opts.region ?? "us-east-1",
    credentials: {
      accessKeyId: opts.accessKeyId ?? "test",
      secretAccessKey: opts.secretAccessKey ?? "test",
    },
    maxAttempts: opts.maxAttempts ?? 3,
  });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A hand-signed AWS JSON 1.1 request, for what the SDK cannot send (unknown operations, bad JSON). */
export async function rawCall(
  emulator: RunningEmulator,
  target: string | undefined,
  body: string,
  opts: { region?: string; method?: string; sign?: boolean; sendBody?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(emulator.url);
  const headers: Record<string, string> = {
    host: url.host,
    "content-type": "application/x-amz-json-1.1",
  };
  if (target !== undefined) headers["x-amz-target"] = target;
  const method = opts.method ?? "POST";
  if (opts.sign !== false) {
    const signer = new SignatureV4({
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      region: opts.region ?? "us-east-1",
      service: "lightsail",
      sha256: Sha256,
    });
    const signed = await signer.sign({
      method,
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      headers,
      body,
    });
    Object.assign(headers, signed.headers);
  }
  delete headers.host;
  const res = await fetch(emulator.url, {
    method,
    headers,
    body: method === "GET" ? undefined : (opts.sendBody ?? body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** A small fleet: `count` snapshots of disk web-data in `region`, one per hour, managed by snapgate. */
export function fleet(count: number, region = "us-east-1") {
  const base = Date.parse("2026-11-01T00:00:00Z");
  return {
    account: "111122223333",
    regions: {
      [region]: {
        disks: [{ name: "web-data", sizeInGb: 64, tags: { team: "web" } }],
        snapshots: Array.from({ length: count }, (_, i) => ({
          name: `web-data-${String(i).padStart(4, "0")}`,
          fromDisk: "web-data",
          createdAt: new Date(base + i * 3_600_000).toISOString(),
          sizeInGb: 64,
          tags: { "managed-by": "snapgate" },
        })),
      },
    },
  };
}

/** Polls until `check` returns a value other than undefined (bounded). */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Emulators started by a test file, all closed after each test: call at the top
 * level of the file and use the returned `start`.
 */
export function useEmulators(): (options: EmulatorOptions) => Promise<RunningEmulator> {
  let running: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.map((e) => e.close()));
    running = [];
  });
  return async (options) => {
    const emu = await startEmulator(options);
    running.push(emu);
    return emu;
  };
}

/** The error a call fails with (the test fails if it succeeds). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}
