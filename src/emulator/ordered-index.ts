/**
 * A sorted array with binary search: insert/remove cost a memmove, and a page
 * after a cursor costs O(log n + page) — pagination never walks the fleet.
 */
export class OrderedIndex<K, T> {
  private items: T[] = [];

  constructor(
    private readonly keyOf: (item: T) => K,
    private readonly compare: (a: K, b: K) => number,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Replace the contents in one sort (bulk seeding without O(n²) inserts). */
  load(items: readonly T[]): void {
    this.items = [...items].sort((a, b) => this.compare(this.keyOf(a), this.keyOf(b)));
  }

  insert(item: T): void {
    this.items.splice(this.lowerBound(this.keyOf(item)), 0, item);
  }

  remove(item: T): boolean {
    const i = this.lowerBound(this.keyOf(item));
    if (this.items[i] === item) {
      this.items.splice(i, 1);
      return true;
    }
    const j = this.items.indexOf(item);
    if (j < 0) return false;
    this.items.splice(j, 1);
    return true;
  }

  /** Up to `size` items strictly after `after` (from the start without one). */
  page(after: K | undefined, size: number): { items: T[]; last: K | undefined; more: boolean } {
    const start = after === undefined ? 0 : this.upperBound(after);
    const items = this.items.slice(start, start + size);
    const lastItem = items[items.length - 1];
    return {
      items,
      last: lastItem === undefined ? undefined : this.keyOf(lastItem),
      more: start + items.length < this.items.length,
    };
  }

  all(): readonly T[] {
    return this.items;
  }

  /** First index whose key is >= k. */
  private lowerBound(k: K): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.keyOf(this.items[mid] as T), k) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose key is > k. */
  private upperBound(k: K): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(this.keyOf(this.items[mid] as T), k) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
