/*
 * Exact duplicate messages in a source (a line written twice by a recorder, a trade repeated
 * after a reconnect) would be counted twice in volume and trade counts: they are dropped and
 * counted. Memory stays bounded: only recent keys are remembered.
 */

/** Remembers the last `maxEntries` keys (and at most `maxChars` characters of them). */
export class RecentKeys {
  private readonly keys = new Set<string>();
  private readonly order: string[] = [];
  private head = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries = 4096,
    private readonly maxChars = 8 * 1024 * 1024
  ) {}

  /** True when `key` was seen recently; otherwise remembers it and returns false. */
  seen(key: string): boolean {
    if (this.keys.has(key)) return true;
    this.keys.add(key);
    this.order.push(key);
    this.chars += key.length;
    while (this.order.length - this.head > this.maxEntries || this.chars > this.maxChars) {
      const old = this.order[this.head]!;
      this.order[this.head++] = '';
      this.keys.delete(old);
      this.chars -= old.length;
    }
    if (this.head > 65_536) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return false;
  }
}

/** Book update ids per stream (Binance depth `u`): an update at or below the last one is a repeat. */
export class UpdateIds {
  private readonly last = new Map<string, number>();

  /** True when `id` is not after the last update id of `stream`; otherwise remembers it. */
  stale(stream: string, id: number): boolean {
    const last = this.last.get(stream);
    if (last !== undefined && id <= last) return true;
    this.last.set(stream, id);
    return false;
  }
}

/** Venue trade ids per symbol, in two generations of `generation` ids each. */
export class TradeIds {
  private current = new Set<string>();
  private previous = new Set<string>();

  constructor(private readonly generation = 200_000) {}

  /** True when this symbol's trade `id` was seen before (ids are kept for the last 200k-400k trades). */
  seen(symbol: string, id: string): boolean {
    const key = `${symbol} ${id}`;
    if (this.current.has(key) || this.previous.has(key)) return true;
    this.current.add(key);
    if (this.current.size >= this.generation) {
      this.previous = this.current;
      this.current = new Set();
    }
    return false;
  }
}
