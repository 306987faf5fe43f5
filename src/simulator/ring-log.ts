/**
 * A bounded append-only log. The simulator keeps "recent" history only (the benchmark pushes
 * ~1000 msg/s through it), so memory is capped; evicted entries are handed to `onEvict` so indexes
 * that point into the log can forget them too. Storage grows lazily, so thousands of small
 * per-customer logs cost little.
 */
export class RingLog<T> {
  private items: Array<T | undefined> = [];
  private start = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (item: T) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`RingLog capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const len = this.items.length;
    if (this.count === len && len < this.capacity) {
      if (this.start !== 0) {
        this.items = this.toArray();
        this.start = 0;
      }
      this.items.push(item);
      this.count += 1;
      return;
    }
    if (this.count < len) {
      this.items[(this.start + this.count) % len] = item;
      this.count += 1;
      return;
    }
    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % len;
    if (evicted !== undefined && this.onEvict) this.onEvict(evicted);
  }

  /** Drop the oldest entry if it is `item` (keeps a sub-log in step with a parent log's evictions). */
  shiftIf(item: T): boolean {
    if (this.count === 0 || this.items[this.start] !== item) return false;
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.items.length;
    this.count -= 1;
    return true;
  }

  toArray(): T[] {
    const out: T[] = [];
    const len = this.items.length;
    for (let i = 0; i < this.count; i++) {
      const v = this.items[(this.start + i) % len];
      if (v !== undefined) out.push(v);
    }
    return out;
  }

  find(pred: (item: T) => boolean): T | undefined {
    const len = this.items.length;
    for (let i = 0; i < this.count; i++) {
      const v = this.items[(this.start + i) % len];
      if (v !== undefined && pred(v)) return v;
    }
    return undefined;
  }
}
