// Bundles the CLI (src/cli/main.ts and everything it imports, dependencies included) into
// the one file dist/cli/main.js, replacing tsc's copy: Node then reads and compiles one
// file instead of ~1,500 modules. Each command's module stays behind a dynamic import,
// which esbuild keeps lazy, so a command evaluates only its own dependencies.
import { rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { build } from "esbuild";

const BUILTIN = new RegExp(
  `^(node:.*|${builtinModules.map((m) => m.replace(/[/.]/g, "\\$&")).join("|")})$`,
);

/**
 * An `import … from "node:x"` in an ES module bundle is hoisted to the top of the file and
 * runs at start-up for every command, and it reads every export of the built-in (waking
 * its lazy parts: webcrypto, fetch). As a require() in a CommonJS shim it runs only when
 * the module that imports it does.
 */
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: BUILTIN }, (args) =>
      args.namespace === "lazy-builtin"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "lazy-builtin" },
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: "js",
    }));
  },
};

/**
 * zod's `z.locales` (and `z.core.locales`) namespace re-exports every language's messages (300 kB, an eighth of the
 * bundle). snapgate words its own messages and never calls z.config(z.locales.x()); English,
 * zod's default, is imported apart and stays.
 */
const noZodLocales = {
  name: "no-zod-locales",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer)
        ? { path: "zod-locales", namespace: "no-zod-locales" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "no-zod-locales" }, () => ({
      contents: "export {};",
      loader: "js",
    }));
  },
};

// Chunk names carry a content hash: without this, every rebuild leaves the last one's chunks
// behind, and `npm pack` would ship them.
rmSync(new URL("../dist/cli/chunks/", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: [new URL("../src/cli/main.ts", import.meta.url).pathname],
  outdir: new URL("../dist/cli/", import.meta.url).pathname,
  entryNames: "[name]",
  // Code each command needs alone goes into chunks of its own, loaded when it runs: a
  // start-up reads the small entry, not the whole CLI.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  // Prefer a package's ES module build: esbuild can then leave out what snapgate never
  // calls (the AWS SDK clients' other commands and their schemas, most of their size).
  mainFields: ["module", "main"],
  format: "esm",
  target: "node20",
  plugins: [lazyBuiltins, noZodLocales],
  // The require() those shims and the CommonJS dependencies call; an ES module has none.
  banner: {
    js: 'import { createRequire as __snapgateRequire } from "node:module";\nconst require = __snapgateRequire(import.meta.url);',
  },
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  legalComments: "eof",
  logLevel: "warning",
});
