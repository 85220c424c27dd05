#!/usr/bin/env node
/**
 * The `snapgate` executable. It turns on Node's module compile cache (Node ≥ 22.1) before
 * loading the one-file CLI bundle, so later runs skip compiling it; the bundle cannot do
 * this for itself, as it is compiled before its first line runs.
 */
import module from "node:module";

const nodeModule = module as typeof module & { enableCompileCache?: () => unknown };
nodeModule.enableCompileCache?.();

await import("./main.js");
