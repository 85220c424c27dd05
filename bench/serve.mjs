// Benchmark: `snapgate serve` under webhook load. The daemon (no-op reconcile) runs in a
// child process so its RSS is its own; this process is the client. 1,000 deliveries, mixed
// valid / replayed / forged / unsigned / wrong content type / oversized / other branch,
// sent open-loop at 200 requests/s. Checks every response against what it should be,
// that every queued push is accounted for by a reconcile (directly or coalesced), and
// reports p50/p99 response time and RSS before/after.
// Needs `npx tsc -p tsconfig.build.json` first (imports dist/).
// Prints figure, floor (or ceiling) and ratio; writes bench/out/serve.json.
import { fork } from "node:child_process";
import { createHash, createHmac, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";

const DELIVERIES = 1_000;
const RATE = 200; // requests per second
const SECRET = "bench-secret-0123456789abcdef";
const REPO = "https://github.com/acme/snapshots.git";
const RSS_GROWTH_CEILING_MB = 20;
const P99_CEILING_MS = 50;

async function daemonChild() {
  const { runDaemon } = await import(new URL("../dist/serve/daemon.js", import.meta.url).href);
  const { pino } = await import("pino");
  let accounted = 0;
  let runs = 0;
  const daemon = await runDaemon({
    port: 0,
    secrets: [SECRET],
    repo: REPO,
    branch: "main",
    interval: 0,
    log: pino({ level: "silent" }),
    reconcile: async (trigger) => {
      runs += 1;
      if (trigger.kind === "webhook") accounted += 1 + (trigger.coalesced ?? 0);
      return { commit: "0123456789abcdef0123456789abcdef01234567", ok: true };
    },
  });
  await daemon.idle();
  // Event-loop delay of the daemon: tells a server stall from client or machine noise.
  const { monitorEventLoopDelay } = await import("node:perf_hooks");
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const rss = () => {
    globalThis.gc?.();
    return process.memoryUsage().rss;
  };
  process.on("message", async (m) => {
    if (m === "rss") {
      const value = rss();
      loop.reset();
      loop.enable();
      process.send({ rss: value });
    }
    if (m === "report") {
      await daemon.idle();
      loop.disable();
      const loopMaxMs = loop.max / 1e6;
      process.send({
        accounted,
        runs,
        rss: rss(),
        loopMaxMs,
        loopP99Ms: loop.percentile(99) / 1e6,
      });
    }
    if (m === "stop") {
      await daemon.stop();
      process.send({ stopped: true });
      process.exit(0);
    }
  });
  process.send({ url: daemon.url });
}

function startChild() {
  const child = fork(new URL(import.meta.url).pathname, ["--daemon"], {
    execArgv: ["--expose-gc"],
  });
  const next = () => new Promise((resolve) => child.once("message", resolve));
  return next().then(({ url }) => ({
    url,
    ask: (m) => {
      const p = next();
      child.send(m);
      return p;
    },
  }));
}

const hmac = (body) => createHmac("sha256", SECRET).update(body).digest("hex");

function push(receiver, { ref = "refs/heads/main", id = randomUUID(), secret = SECRET } = {}) {
  // every push names its own commit, as real pushes do (serve keys replays by the signed body)
  const after = createHash("sha256").update(id).digest("hex").slice(0, 40);
  const h = { "content-type": "application/json" };
  let payload;
  if (receiver === "github") {
    payload = { ref, after, repository: { clone_url: REPO } };
    Object.assign(h, { "x-github-event": "push", "x-github-delivery": id });
  } else if (receiver === "gitea") {
    payload = { ref, after, repository: { clone_url: REPO } };
    Object.assign(h, { "x-gitea-event": "push", "x-gitea-delivery": id });
  } else if (receiver === "gitlab") {
    payload = { object_kind: "push", ref, after, project: { git_http_url: REPO } };
    Object.assign(h, { "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": id });
  } else {
    payload = { repo: REPO, ref, after, id };
  }
  const body = JSON.stringify(payload);
  const sig = createHmac("sha256", secret).update(body).digest("hex");
  if (receiver === "github") h["x-hub-signature-256"] = `sha256=${sig}`;
  if (receiver === "gitea") h["x-gitea-signature"] = sig;
  if (receiver === "generic") h["x-signature"] = `sha256=${sig}`;
  if (receiver === "gitlab") h["x-gitlab-token"] = secret;
  return { receiver, body, headers: h };
}

/** The i-th delivery and the answer it must get. */
function plan() {
  const receivers = ["github", "gitlab", "gitea", "generic"];
  const list = [];
  for (let i = 0; i < DELIVERIES; i++) {
    const receiver = receivers[i % 4];
    const slot = i % 20;
    let d;
    if (slot % 10 <= 4) d = { ...push(receiver), expect: 202, kind: "valid" };
    else if (slot % 10 === 5) {
      d = { ...list[i - 5], expect: 200, kind: "replay", status: "duplicate", pairedWith: i - 5 };
      list[i - 5].pairedWith = i;
    } else if (slot % 10 === 6)
      d = {
        ...push(receiver, { secret: "forged-secret-xxxxxxxxxxxx" }),
        expect: 401,
        kind: "forged",
      };
    else if (slot % 10 === 7) {
      const p = push(receiver);
      for (const k of ["x-hub-signature-256", "x-gitea-signature", "x-signature", "x-gitlab-token"])
        delete p.headers[k];
      d = { ...p, expect: 401, kind: "unsigned" };
    } else if (slot % 10 === 8) {
      const p = push(receiver);
      d = {
        ...p,
        headers: { ...p.headers, "content-type": "text/plain" },
        expect: 415,
        kind: "content-type",
      };
    } else if (slot === 9) {
      d = {
        ...push(receiver, { ref: "refs/heads/feature" }),
        expect: 200,
        kind: "other-branch",
        status: "ignored",
      };
    } else {
      const p = push(receiver);
      const big = "x".repeat(1024 * 1024 + 1);
      d = {
        ...p,
        body: big,
        headers: { ...p.headers, "x-signature": `sha256=${hmac(big)}` },
        expect: 413,
        kind: "oversized",
      };
    }
    list.push(d);
  }
  return list;
}

async function send(url, d) {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/webhooks/${d.receiver}`, {
      method: "POST",
      body: d.body,
      headers: d.headers,
    });
    const json = await res.json().catch(() => ({}));
    return { ms: performance.now() - t0, status: res.status, json };
  } catch (err) {
    return { ms: performance.now() - t0, status: 0, json: { error: String(err) } };
  }
}

const answered = (d, r) =>
  r.status === d.expect && (d.status === undefined || r.json.status === d.status);
/**
 * An original and its replay are sent 25 ms apart; under a stall they can arrive in either
 * order. Correct is: exactly one of the two is queued (202) and the other is a duplicate.
 */
const pairOk = (_d, r, other) => {
  const statuses = [r, other].map((x) => `${x.status}:${x.json.status}`).sort();
  return statuses[0] === "200:duplicate" && statuses[1] === "202:queued";
};

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const daemon = await startChild();
  const deliveries = plan();
  // warm-up: a handful of requests so JIT and connection setup are not in the figures
  await Promise.all(
    Array.from({ length: 20 }, () =>
      send(daemon.url, push("generic", { ref: "refs/heads/warmup" })),
    ),
  );
  const { rss: rssBefore } = await daemon.ask("rss");

  const t0 = performance.now();
  const results = await Promise.all(
    deliveries.map(async (d, i) => {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return send(daemon.url, d);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const report = await daemon.ask("report");
  const metricsText = await (await fetch(`${daemon.url}/metrics`)).text();
  await daemon.ask("stop");

  const mismatches = [];
  const byKind = {};
  deliveries.forEach((d, i) => {
    const r = results[i];
    byKind[d.kind] ??= { sent: 0, asExpected: 0, ms: [] };
    byKind[d.kind].sent += 1;
    byKind[d.kind].ms.push(r.ms);
    const ok = d.pairedWith === undefined ? answered(d, r) : pairOk(d, r, results[d.pairedWith]);
    if (ok) byKind[d.kind].asExpected += 1;
    else if (mismatches.length < 10)
      mismatches.push({ i, kind: d.kind, expected: d.expect, got: r.status, body: r.json });
  });
  const invalid = deliveries.filter((d) => d.expect >= 400);
  const invalidRejected = invalid.filter(
    (d) => results[deliveries.indexOf(d)].status === d.expect,
  ).length;
  const queued = results.filter((r) => r.status === 202).length;
  const webhookCount = [
    ...metricsText.matchAll(/^snapgate_webhook_requests_total\{[^}]*\} (\d+)/gm),
  ].reduce((a, m) => a + Number(m[1]), 0);
  for (const v of Object.values(byKind)) {
    v.p50Ms = round(percentile(v.ms, 50));
    v.p99Ms = round(percentile(v.ms, 99));
    delete v.ms;
  }
  const ms = results.map((r) => r.ms);
  const p50 = round(percentile(ms, 50));
  const p99 = round(percentile(ms, 99));
  const growthMb = round((report.rss - rssBefore) / 2 ** 20);

  const out = {
    benchmark: "serve",
    at: new Date().toISOString(),
    node: process.version,
    deliveries: DELIVERIES,
    targetRate: RATE,
    achievedRate: round(DELIVERIES / seconds, 1),
    p50Ms: p50,
    p99Ms: p99,
    p99CeilingMs: P99_CEILING_MS,
    rssBeforeMb: round(rssBefore / 2 ** 20),
    rssAfterMb: round(report.rss / 2 ** 20),
    rssGrowthMb: growthMb,
    rssGrowthCeilingMb: RSS_GROWTH_CEILING_MB,
    byKind,
    invalid: invalid.length,
    invalidRejected,
    queued,
    accountedByReconciles: report.accounted,
    reconcileRuns: report.runs,
    webhookRequestsCounted: webhookCount,
    daemonEventLoopDelayMaxMs: round(report.loopMaxMs),
    daemonEventLoopDelayP99Ms: round(report.loopP99Ms),
    loadAverage1m: round((await import("node:os")).loadavg()[0]),
    mismatches,
    pass:
      mismatches.length === 0 &&
      invalidRejected === invalid.length &&
      report.accounted === queued &&
      growthMb < RSS_GROWTH_CEILING_MB,
  };

  console.log(
    `serve benchmark: ${DELIVERIES} deliveries at up to ${RATE} req/s (achieved ${out.achievedRate} req/s)`,
  );
  console.log(`p50 response time        ${String(p50).padStart(8)} ms`);
  console.log(
    `p99 response time        ${String(p99).padStart(8)} ms   ceiling ${P99_CEILING_MS} ms   ratio ${round(p99 / P99_CEILING_MS)}`,
  );
  console.log(
    `RSS growth               ${String(growthMb).padStart(8)} MB   ceiling ${RSS_GROWTH_CEILING_MB} MB   ratio ${round(growthMb / RSS_GROWTH_CEILING_MB)}   (before ${out.rssBeforeMb} MB, after ${out.rssAfterMb} MB)`,
  );
  console.log(
    `daemon event-loop delay  max ${out.daemonEventLoopDelayMaxMs} ms, p99 ${out.daemonEventLoopDelayP99Ms} ms   (machine load average ${out.loadAverage1m})`,
  );
  console.log(
    `invalid rejected         ${invalidRejected}/${invalid.length}   ratio ${round(invalidRejected / invalid.length)}`,
  );
  console.log(
    `valid pushes accounted   ${report.accounted}/${queued} queued (${report.runs - 1} reconcile runs after the start-up one)   ratio ${round(report.accounted / Math.max(1, queued))}`,
  );
  console.log(`webhook requests counted in /metrics: ${webhookCount} (incl. 20 warm-up)`);
  for (const [kind, v] of Object.entries(byKind))
    console.log(
      `  ${kind.padEnd(14)} ${v.asExpected}/${v.sent} as expected   p50 ${v.p50Ms} ms   p99 ${v.p99Ms} ms`,
    );
  if (mismatches.length) console.log("mismatches:", JSON.stringify(mismatches, null, 1));
  console.log(out.pass ? "PASS" : "FAIL");

  mkdirSync(new URL("./out/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./out/serve.json", import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  process.exitCode = out.pass ? 0 : 1;
}

if (process.argv[2] === "--daemon") await daemonChild();
else await main();
