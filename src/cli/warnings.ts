/** Warnings the CLI prints: on stderr, so stdout stays the product's output (JSON stays JSON). */
export function printWarning(message: string): void {
  process.stderr.write(`snapgate: warning: ${message}\n`);
}
