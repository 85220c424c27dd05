// Make the CLI entries executable after the build (npm links bin.js as the `snapgate` bin).
import { chmodSync } from "node:fs";

for (const entry of ["bin.js", "main.js"])
  chmodSync(new URL(`../dist/cli/${entry}`, import.meta.url), 0o755);
