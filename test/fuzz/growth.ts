/**
 * Blow-up detection without a wall-clock limit. A slow machine makes every
 * input slower by the same factor, so a fixed time bound fails CI under load
 * while proving nothing; how the cost grows with the input does not depend on
 * the machine. `growthProblem` runs the same input shape at n and 4n and
 * compares the two (fastest of several interleaved runs each, so a load spike
 * hits both sizes alike): linear work grows 4×, quadratic 16×.
 */
import { performance } from "node:perf_hooks";

/** Growth factor from n to 4n above which the work is taken as super-linear (linear: 4, n log n: ~4.6, quadratic: 16). */
export const MAX_GROWTH = 9;
/** Runs per size; the fastest counts (noise only ever adds time). */
const RUNS = 5;
/** A measurement repeated this often before a verdict: one slow spell must not fail a test. */
const ATTEMPTS = 3;
/** Sizes are doubled until the small input takes this long, so timer resolution does not dominate. */
const MIN_SMALL_MS = 20;

function fastest(run: () => void, times: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

export interface Growth {
  n: number;
  smallMs: number;
  largeMs: number;
  factor: number;
}

/** One measurement of cost(4n) / cost(n), the two sizes interleaved. */
function measure(run: (n: number) => void, n: number): Growth {
  let small = Number.POSITIVE_INFINITY;
  let large = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    small = Math.min(
      small,
      fastest(() => run(n), 1),
    );
    large = Math.min(
      large,
      fastest(() => run(4 * n), 1),
    );
  }
  return { n, smallMs: small, largeMs: large, factor: large / small };
}

/**
 * Null when `run`'s cost grows at most ~linearly from n to 4n, otherwise a
 * description of the growth. `run(n)` builds nothing itself: pass a function
 * over prepared inputs so that only the code under test is measured.
 */
export function growthProblem(
  label: string,
  run: (n: number) => void,
  startN: number,
): string | null {
  let n = startN;
  run(n); // warm the JIT before deciding the size
  while (fastest(() => run(n), 1) < MIN_SMALL_MS && n < startN * 256) n *= 2;
  let last: Growth | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    last = measure(run, n);
    if (last.factor <= MAX_GROWTH) return null;
  }
  const g = last as Growth;
  return (
    `${label}: cost grew ${g.factor.toFixed(1)}× from n=${g.n} to n=${4 * g.n} ` +
    `(${g.smallMs.toFixed(1)} → ${g.largeMs.toFixed(1)} ms; linear is 4×, quadratic 16×)`
  );
}
