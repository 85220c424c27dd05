import { printable } from "../core/printable.js";

/** Warnings the CLI prints: on stderr, so stdout stays the product's output (JSON stays JSON). */
export function printWarning(message: string): void {
  // a warning names repository files: no raw control characters
  process.stderr.write(`snapgate: warning: ${printable(message)}\n`);
}
