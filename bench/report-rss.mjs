// Preloaded with `node --import` into a process under measurement: on exit, writes
// the process's peak RSS (bytes) to $SNAPGATE_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.SNAPGATE_BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
