/**
 * Price-level order book in integer units: prices in ticks, sizes in lots.
 * Every level change gets the next update id and is reported to the listener, which is how
 * depth diffs and book tickers are built.
 */

export type Side = 'bid' | 'ask';
export type Level = readonly [price: number, lots: number];
export type LevelListener = (side: Side, price: number, lots: number, updateId: number) => void;

/** One side; levels are kept sorted with the best price last so that the busy end is cheap to edit. */
export class BookSide {
  /** Sort keys: the price for bids, minus the price for asks; ascending, best last. */
  private readonly keys: number[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(readonly side: Side) {}

  get count(): number {
    return this.keys.length;
  }

  /** Price `depth` levels away from the best (0 = best), if there is one. */
  at(depth: number): number | undefined {
    const key = this.keys[this.keys.length - 1 - depth];
    return key === undefined ? undefined : this.priceOf(key);
  }

  best(): number | undefined {
    return this.at(0);
  }

  worst(): number | undefined {
    return this.at(this.keys.length - 1);
  }

  size(price: number): number {
    return this.sizes.get(price) ?? 0;
  }

  /** True when `a` is a better (more aggressive) price than `b` on this side. */
  better(a: number, b: number): boolean {
    return this.side === 'bid' ? a > b : a < b;
  }

  set(price: number, lots: number): void {
    const had = this.sizes.has(price);
    if (lots > 0) {
      this.sizes.set(price, lots);
      if (!had) this.keys.splice(this.insertionIndex(this.keyOf(price)), 0, this.keyOf(price));
    } else if (had) {
      this.sizes.delete(price);
      this.keys.splice(this.insertionIndex(this.keyOf(price)) - 1, 1);
    }
  }

  /** Up to `limit` levels, best first. */
  levels(limit: number): Level[] {
    const out: Level[] = [];
    for (let i = this.keys.length - 1; i >= 0 && out.length < limit; i--) {
      const price = this.priceOf(this.keys[i] as number);
      out.push([price, this.sizes.get(price) ?? 0]);
    }
    return out;
  }

  private keyOf(price: number): number {
    return this.side === 'bid' ? price : -price;
  }

  private priceOf(key: number): number {
    return this.side === 'bid' ? key : -key;
  }

  /** First index whose key is greater than `key` (binary search). */
  private insertionIndex(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as number) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class OrderBook {
  readonly bids = new BookSide('bid');
  readonly asks = new BookSide('ask');
  listener: LevelListener | undefined;

  constructor(public updateId: number) {}

  side(side: Side): BookSide {
    return side === 'bid' ? this.bids : this.asks;
  }

  /** Sets a level's absolute size (0 removes it); no-op when nothing changes. */
  set(side: Side, price: number, lots: number): void {
    const book = this.side(side);
    if (book.size(price) === lots) return;
    book.set(price, lots);
    this.updateId += 1;
    this.listener?.(side, price, lots, this.updateId);
  }

  bestBid(): number | undefined {
    return this.bids.best();
  }

  bestAsk(): number | undefined {
    return this.asks.best();
  }
}
