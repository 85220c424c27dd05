// Benchmark: apply 1,000 approved deletions against the emulator (its own
// process) at 20 ms latency and a 100 requests/s server rate limit; then the
// same with 20% injected ServiceExceptions. Figure: wall time of apply (with
// its preflight). Floor: the unavoidable calls ÷ the rate, or × latency ÷
// concurrency, whichever is larger. The unavoidable calls per item are a
// GetDiskSnapshot (the fresh read right before the delete) and the
// DeleteDiskSnapshot, plus a listing before (preflight) and after (confirmation). Imports the built dist/.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyScenario, LATENCY_MS, RATE } from "./apply-scenario.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

const results = [
  await applyScenario("clean", {}, 1.2),
  await applyScenario("20% ServiceException", { serviceErrorRate: 0.2, randomSeed: 7 }, 1.6),
];
mkdirSync(path.join(here, "out"), { recursive: true });
writeFileSync(
  path.join(here, "out", "apply.json"),
  `${JSON.stringify({ benchmark: "apply", results }, null, 2)}\n`,
);
for (const r of results) {
  console.log(
    `apply ${r.deletions} deletions (${r.scenario}) @${LATENCY_MS}ms, ${RATE} req/s: ${r.wallMs} ms; floor ${r.floorMs} ms; ratio ${r.ratio} (target ≤ ${r.target}); deleted ${r.counts.deleted}, failed ${r.counts.failed}, throttled ${r.throttledAbsorbed}`,
  );
}
