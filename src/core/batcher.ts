import { open } from "node:fs/promises";

/**
 * Group commit: calls that arrive while a flush is running are collected and
 * flushed together by the next one, so N concurrent durable appends cost one
 * write and one fsync instead of N. Flushes never overlap; each caller's
 * promise settles when the flush holding its item is done.
 */
export class Batcher<T, R> {
  private pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly flush: (items: T[]) => Promise<R[]>) {}

  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.running) {
        // Start on the next microtask: items pushed in the same tick (appendMany) share one flush.
        this.running = true;
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          const results = await this.flush(batch.map((b) => b.item));
          for (const [i, b] of batch.entries()) b.resolve(results[i] as R);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Appends lines to a file durably (write + fsync), batching concurrent appends. */
export class DurableAppender {
  private readonly batcher: Batcher<string, undefined>;

  constructor(
    readonly file: string,
    mode = 0o600,
  ) {
    this.batcher = new Batcher(async (chunks) => {
      const fh = await open(file, "a", mode);
      try {
        await fh.write(chunks.join(""));
        await fh.sync();
      } finally {
        await fh.close();
      }
      return chunks.map(() => undefined);
    });
  }

  async append(text: string): Promise<void> {
    await this.batcher.push(text);
  }
}
