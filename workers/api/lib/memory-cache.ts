/**
 * A short-lived, size-bounded cache in the isolate's memory, in front of KV for the hottest
 * reads (skills, items, search hits): a KV read, even a hit, costs a round trip and more CPU
 * than the rest of such a request (reports/bench.md), while these bodies change rarely.
 *
 * - Freshness: an entry lives `ttlMs` at most, and never past the expiry its caller gives
 *   (the KV entry's own freshness), so memory can only shorten, never extend, what KV serves.
 *   Across isolates a change is visible within that TTL: other isolates are not told.
 * - Bounds: at most `maxEntries` entries and `maxBytes` of bodies (approximate: string length);
 *   the least recently used go first (a Map keeps insertion order; a hit re-inserts).
 * - Time comes from `now`, injectable so tests never wait on the wall clock.
 */
export interface MemoryCacheOptions {
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
  now?: () => number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export class MemoryCache<V> {
  private readonly slots = new Map<string, Slot<V>>();
  private bytes = 0;
  readonly now: () => number;

  constructor(private readonly opts: MemoryCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.slots.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: string): V | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (this.now() >= slot.expiresAt) {
      this.remove(key, slot);
      return undefined;
    }
    // Most recently used last.
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot.value;
  }

  /** Stores `value` until min(now + ttlMs, notAfter); values larger than the whole budget are skipped. */
  set(key: string, value: V, bytes: number, notAfter = Number.POSITIVE_INFINITY): void {
    const old = this.slots.get(key);
    if (old) this.remove(key, old);
    const expiresAt = Math.min(this.now() + this.opts.ttlMs, notAfter);
    if (bytes > this.opts.maxBytes || expiresAt <= this.now()) return;
    this.slots.set(key, { value, bytes, expiresAt });
    this.bytes += bytes;
    for (const [k, slot] of this.slots) {
      if (this.slots.size <= this.opts.maxEntries && this.bytes <= this.opts.maxBytes) break;
      this.remove(k, slot);
    }
  }

  delete(key: string): void {
    const slot = this.slots.get(key);
    if (slot) this.remove(key, slot);
  }

  private remove(key: string, slot: Slot<V>): void {
    this.slots.delete(key);
    this.bytes -= slot.bytes;
  }
}
