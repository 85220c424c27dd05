#!/usr/bin/env node
/**
 * The `snapgate` executable. A bare `--version` (what scripts and CI steps run most) is
 * answered here from package.json, without loading the CLI at all. Anything else turns on
 * Node's module compile cache (Node ≥ 22.1) before loading the CLI bundle, so later runs
 * skip compiling it; the bundle cannot do this for itself, as it is compiled before its
 * first line runs.
 */
import module from "node:module";

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  const { version } = await import("./version.js");
  process.stdout.write(`${version}\n`);
} else {
  const nodeModule = module as typeof module & { enableCompileCache?: () => unknown };
  nodeModule.enableCompileCache?.();
  await import("./main.js");
}
