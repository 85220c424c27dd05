/**
 * The last N delivery ids of validly signed requests, to answer redeliveries
 * and replays with "duplicate" instead of a second reconcile. A Map keeps
 * insertion order, so the oldest id is the first key: a bounded LRU in a few
 * lines. An id that falls out after N newer deliveries would trigger one more
 * (idempotent) reconcile if replayed — harmless, and memory stays bounded.
 */
export class DeliveryCache {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity = 10_000) {}

  /** True when `id` was seen before; otherwise remembers it and returns false. */
  seen(id: string): boolean {
    if (this.ids.has(id)) {
      this.ids.delete(id);
      this.ids.set(id, true);
      return true;
    }
    this.ids.set(id, true);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.keys().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return false;
  }

  get size(): number {
    return this.ids.size;
  }
}
