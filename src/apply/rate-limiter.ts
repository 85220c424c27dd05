/**
 * Client-side rate limit for Lightsail calls: a token bucket that starts at
 * the configured rate, halves it on throttling and creeps back up (AIMD) on
 * success, so throttling is absorbed instead of surfacing as failures.
 */
export class AdaptiveRateLimiter {
  private rate: number;
  private tokens: number;
  private last = performance.now();
  private chain: Promise<void> = Promise.resolve();
  throttled = 0;

  constructor(
    private readonly maxRate: number,
    private readonly minRate = Math.min(0.5, maxRate),
    burst?: number,
  ) {
    this.rate = maxRate;
    this.burst = burst ?? Math.max(1, Math.min(maxRate, 10));
    this.tokens = this.burst;
  }

  private readonly burst: number;

  get currentRate(): number {
    return this.rate;
  }

  /** Resolves when the caller may send one request. Callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.chain.then(() => this.takeToken());
    this.chain = turn;
    return turn;
  }

  private async takeToken(): Promise<void> {
    for (;;) {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.ceil(((1 - this.tokens) / this.rate) * 1000)));
    }
  }

  onThrottle(): void {
    this.throttled++;
    this.rate = Math.max(this.minRate, this.rate / 2);
    this.tokens = Math.min(this.tokens, 0);
  }

  onSuccess(): void {
    if (this.rate < this.maxRate) this.rate = Math.min(this.maxRate, this.rate + this.maxRate / 20);
  }
}
